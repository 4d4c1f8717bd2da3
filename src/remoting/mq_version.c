/*
 * MQVersion ordinal → enum name. The enum is regular from V3_0_1_SNAPSHOT on
 * (each release preceded by its _SNAPSHOT), so only the sixteen 3.0.0 pre-release
 * names are listed; the rest is computed from the release numbering of 4.9.8's
 * enum: 3.0.1–3.0.15, 3.1.0–3.2.9, 3.3.1–3.9.9 (no x.0), then 4.0.0–5.9.9
 * (V4_0_0_SNAPSHOT = 212), then HIGHER_VERSION (612).
 */
#include "remoting/mq_version.h"

#include <stdio.h>

static const char *const v3_0_0_names[] = {
    "V3_0_0_SNAPSHOT", "V3_0_0_ALPHA1",         "V3_0_0_BETA1", "V3_0_0_BETA2",
    "V3_0_0_BETA3",    "V3_0_0_BETA4",          "V3_0_0_BETA5", "V3_0_0_BETA6_SNAPSHOT",
    "V3_0_0_BETA6",    "V3_0_0_BETA7_SNAPSHOT", "V3_0_0_BETA7", "V3_0_0_BETA8_SNAPSHOT",
    "V3_0_0_BETA8",    "V3_0_0_BETA9_SNAPSHOT", "V3_0_0_BETA9", "V3_0_0_FINAL",
};

static size_t
put_name(char *buf, size_t size, const char *name)
{
    int n = snprintf(buf, size, "%s", name);
    return n < 0 ? 0 : (size_t)n;
}

size_t
rj_mq_version_desc(int32_t version, char *buf, size_t size)
{
    int major, minor, patch;
    int release; /* index of the release within its run */
    if (version < 0) {
        return put_name(buf, size, "UNKNOWN");
    }
    if (version < 16) {
        return put_name(buf, size, v3_0_0_names[version]);
    }
    if (version >= RJ_MQ_VERSION_HIGHER_VERSION) {
        return put_name(buf, size, "HIGHER_VERSION");
    }
    release = (version - 16) / 2;
    if (version >= 212) {
        release = (version - 212) / 2;
        major = 4 + release / 100;
        minor = release % 100 / 10;
        patch = release % 10;
    } else if (release < 15) {
        major = 3, minor = 0, patch = 1 + release; /* 3.0.1 – 3.0.15 */
    } else if (release < 35) {
        release -= 15;
        major = 3, minor = 1 + release / 10, patch = release % 10; /* 3.1.0 – 3.2.9 */
    } else {
        release -= 35;
        major = 3, minor = 3 + release / 9, patch = 1 + release % 9; /* 3.3.1 – 3.9.9 */
    }
    int n = snprintf(buf, size, "V%d_%d_%d%s", major, minor, patch,
                     (version % 2 == 0) ? "_SNAPSHOT" : "");
    return n < 0 ? 0 : (size_t)n;
}
