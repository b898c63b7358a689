/* The crashing program every supervisor restarts: logs "S pid t" on entry and "E pid t" before exit 1
   (CLOCK_MONOTONIC ns), after CRASH_UPTIME_MS; writes a newline to CRASH_NOTIFY_FD for s6 readiness. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <string.h>

static long long now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }

static void note(const char *log, char what) {
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%c %d %lld\n", what, (int)getpid(), now());
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd >= 0) { write(fd, buf, n); close(fd); }
}

int main(void) {
    const char *log = getenv("CRASH_LOG");
    if (!log) return 2;
    note(log, 'S');
    const char *nfd = getenv("CRASH_NOTIFY_FD");
    if (nfd) { int fd = atoi(nfd); write(fd, "\n", 1); close(fd); }
    const char *up = getenv("CRASH_UPTIME_MS");
    if (up && atoi(up) > 0) usleep(atoi(up) * 1000);
    note(log, 'E');
    _exit(1);
}
