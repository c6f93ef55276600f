/* sbx-ping ADDR: one ICMP echo to the IPv4 address ADDR over an ICMP datagram socket
 * (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), as iputils' ping does without CAP_NET_RAW; the
 * busybox rootfs's ping only knows raw sockets). Allowed only for a gid inside the network
 * namespace's net.ipv4.ping_group_range. Prints "ok" and exits 0 on a reply within 2 s;
 * "errno=N" (socket/send/recv) or "timeout" and exits 1 otherwise; usage error: exit 2. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: sbx-ping ADDR\n");
        return 2;
    }
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
        fprintf(stderr, "sbx-ping: not an IPv4 address: %s\n", argv[1]);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
    if (fd < 0) {
        printf("errno=%d\n", errno);
        return 1;
    }
    struct icmphdr echo;
    memset(&echo, 0, sizeof echo);
    echo.type = ICMP_ECHO;
    echo.un.echo.sequence = htons(1); /* the kernel sets the id and the checksum */
    if (sendto(fd, &echo, sizeof echo, 0, (struct sockaddr*)&to, sizeof to) < 0) {
        printf("errno=%d\n", errno);
        return 1;
    }
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 2000) != 1) {
        printf("timeout\n");
        return 1;
    }
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < (ssize_t)sizeof(struct icmphdr)) {
        printf("errno=%d\n", n < 0 ? errno : EPROTO);
        return 1;
    }
    struct icmphdr reply;
    memcpy(&reply, buf, sizeof reply);
    if (reply.type != ICMP_ECHOREPLY) {
        printf("type=%d\n", reply.type);
        return 1;
    }
    printf("ok\n");
    return 0;
}
