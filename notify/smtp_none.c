/* certsweep — built without libesmtp (-Dsmtp=disabled): no e-mail. */
#include "notify/mail.h"

#include <stdio.h>

void notify_smtp_send(const notify_smtp_cfg *c, notify_smtp_job *jobs, size_t n)
{
    (void)c;
    for (size_t i = 0; i < n; i++) {
        jobs[i].outcome = NOTIFY_PERMANENT;
        snprintf(jobs[i].reply, sizeof(jobs[i].reply),
                 "this certsweep was built without SMTP (libesmtp)");
    }
}
