# bash completion for certsweep.  The commands and flags are read from
# `certsweep --help` and `certsweep COMMAND --help`, which are written from
# the same tables as the parser, so this file never needs a new entry.
_certsweep()
{
    local cur prev words cword
    _init_completion || return

    local i cmd=""
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -*) ;;
            *) cmd=${words[i]}; break ;;
        esac
    done

    if [[ -z $cmd ]]; then
        local cmds
        cmds=$("${words[0]}" --help 2>/dev/null |
               awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
        COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
        return
    fi

    case $prev in
        -c | --config | -o | --output | --dry-run)
            _filedir
            return
            ;;
    esac
    local flags
    flags=$("${words[0]}" "$cmd" --help 2>/dev/null |
            grep -oE '^ +(-[A-Za-z], )?--[a-z][a-z-]*' | grep -oE -- '--[a-z][a-z-]*')
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
} &&
    complete -F _certsweep certsweep
