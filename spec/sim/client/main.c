/* simclient.exe [substring]   runs the checks whose test name contains substring
 * simclient.exe --bench       prints the raw C client's baseline figures
 * The main thread is an STA, like a script host's; tests that need the MTA start
 * their own thread. Output is TAP; the exit code is 0 only if every check passed. */
#include "client.h"
#include <stdio.h>
#include <string.h>

static const test_case *const suites[] = {
    suite_namespace, suite_schema, suite_types, suite_path, suite_put, suite_classput,
    suite_query, suite_async, suite_asyncops, suite_control, suite_scale, suite_sync, suite_hosts,
    suite_events, suite_methods, suite_family, NULL,
};

int main(int argc, char **argv)
{
    const char *filter = NULL;
    int bench = 0, rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bench")) bench = 1;
        else if (!strcmp(argv[i], "--list")) {
            for (const test_case *const *s = suites; *s; s++)
                for (const test_case *t = *s; t->name; t++) printf("%s\n", t->name);
            return 0;
        } else filter = argv[i];
    }
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    if (FAILED(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED))) {
        printf("1..0 # SKIP CoInitializeEx failed\n");
        return 1;
    }
    rc = bench ? bench_main() : tap_run(suites, filter);
    CoUninitialize();
    return rc;
}
