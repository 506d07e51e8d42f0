/* Test helpers: turning rules off in a config the way the config file
 * does ([rules] disabled_rules).  Include after cmocka.h. */
#ifndef TESTS_UNIT_SCANNER_RULES_CFG_H
#define TESTS_UNIT_SCANNER_RULES_CFG_H

#include <string.h>

#include "config/config.h"
#include "scanner/rules.h"

/* Adds a rule to [rules] disabled_rules. */
static inline void cfg_disable(config *c, const char *rule)
{
    char list[512] = "";
    for (size_t i = 0; i < c->disabled_rules.n; i++) {
        strncat(list, c->disabled_rules.v[i], sizeof(list) - strlen(list) - 1);
        strncat(list, ",", sizeof(list) - strlen(list) - 1);
    }
    strncat(list, rule, sizeof(list) - strlen(list) - 1);
    assert_int_equal(config_list_parse(&c->disabled_rules, list), 0);
}

/* Every rule but `keep` disabled. */
static inline void cfg_only(config *c, const char *keep)
{
    for (size_t i = 0; i < scanner_rule_count(); i++)
        if (strcmp(scanner_rule_at(i)->id, keep) != 0)
            cfg_disable(c, scanner_rule_at(i)->id);
}

#endif
