/* Bench only (bench/sync_vs_rsync.py --congestion): a program started with this library in
 * LD_PRELOAD sets TCP congestion control $LOKET_BENCH_CONGESTION on every TCP connection it opens.
 * It lets rsync -z run with CUBIC, as the offices' Windows PCs do, where a network namespace
 * here may not change the machine's default (BBR). Built at run time by the bench with cc. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int connect(int fd, const struct sockaddr *address, socklen_t length)
{
    static int (*real_connect)(int, const struct sockaddr *, socklen_t);
    const char *name = getenv("LOKET_BENCH_CONGESTION");
    int type = 0;
    socklen_t size = sizeof type;

    if (!real_connect)
        real_connect = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
    if (name && *name && address && (address->sa_family == AF_INET || address->sa_family == AF_INET6)
        && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) == 0 && type == SOCK_STREAM)
        setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, strlen(name));
    return real_connect(fd, address, length);
}
