/*
 * A hostile "plugin" for the loader's swap-race tests: its constructor runs the moment the
 * dynamic linker maps it, before subflowd could look at any symbol. It proves it ran by
 * creating the file named in SUBFLOWD_TEST_INTRUDER_MARKER (nothing else), so a test can
 * tell whether the loader ever let it in.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "Intruder.h"

__attribute__((constructor)) static void subflowd_test_intruder_ran(void) {
    const char *marker = getenv("SUBFLOWD_TEST_INTRUDER_MARKER");
    if (marker == NULL) return;
    int fd = open(marker, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    (void)write(fd, "x", 1);
    close(fd);
}

int subflowd_test_intruder_present(void) { return 1; }
