/* certsweep — notify: what the two channel families share. */
#include "notify/notify.h"

void notify_result_add(notify_result *into, const notify_result *r)
{
    if (!into || !r)
        return;
    into->sent += r->sent;
    into->skipped += r->skipped;
    into->pending += r->pending;
    into->failed += r->failed;
    into->written += r->written;
}
