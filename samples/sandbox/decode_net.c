// SPDX-License-Identifier: GPL-2.0
/*
 * decode_net.c - sockets as strace shows them: address families, socket
 * types and protocols (by family), struct sockaddr for AF_INET, AF_INET6
 * and AF_UNIX.
 */
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "decode_priv.h"

static const struct xval families[] = {
	XV(AF_UNSPEC), XV(AF_UNIX), XV(AF_INET), XV(AF_AX25), XV(AF_IPX), XV(AF_APPLETALK),
	XV(AF_BRIDGE), XV(AF_INET6), XV(AF_KEY), XV(AF_NETLINK), XV(AF_PACKET),
	XV(AF_RDS), XV(AF_CAN), XV(AF_TIPC), XV(AF_BLUETOOTH), XV(AF_ALG), XV(AF_VSOCK),
	XV(AF_XDP),
};

static const struct xval sock_types[] = {
	XV(SOCK_STREAM), XV(SOCK_DGRAM), XV(SOCK_RAW), XV(SOCK_RDM), XV(SOCK_SEQPACKET),
	XV(SOCK_DCCP), XV(SOCK_PACKET),
};

static const struct xval sock_flags[] = { XV(SOCK_CLOEXEC), XV(SOCK_NONBLOCK) };

static const struct xval inet_protos[] = {
	XV(IPPROTO_IP), XV(IPPROTO_ICMP), XV(IPPROTO_IGMP), XV(IPPROTO_TCP), XV(IPPROTO_UDP),
	XV(IPPROTO_IPV6), XV(IPPROTO_ICMPV6), XV(IPPROTO_SCTP), XV(IPPROTO_UDPLITE),
	XV(IPPROTO_RAW), XV(IPPROTO_MPTCP),
};

static const struct xval netlink_protos[] = {
	{ 0, "NETLINK_ROUTE" }, { 4, "NETLINK_SOCK_DIAG" }, { 6, "NETLINK_XFRM" },
	{ 9, "NETLINK_AUDIT" }, { 12, "NETLINK_NETFILTER" }, { 15, "NETLINK_KOBJECT_UEVENT" },
	{ 16, "NETLINK_GENERIC" },
};

void p_af(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], families, NULL);
}

void p_socktype(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned long v = t->a[i], flags = v & (SOCK_CLOEXEC | SOCK_NONBLOCK);

	PUT_VAL(f, v & ~(unsigned long)(SOCK_CLOEXEC | SOCK_NONBLOCK), sock_types, NULL);
	if (flags) {
		tb_putc(f, '|');
		PUT_FLAGS(f, flags, sock_flags, NULL);
	}
}

/* The protocol's names depend on the family (argument 0). */
void p_sockproto(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	int family = (int)t->a[0];

	if (family == AF_INET || family == AF_INET6)
		PUT_VAL(f, t->a[i], inet_protos, NULL);
	else if (family == AF_NETLINK)
		PUT_VAL(f, t->a[i], netlink_protos, NULL);
	else
		tb_printf(f, "%d", (int)t->a[i]);
}

/* struct sockaddr of argument @i, its length in argument @l. */
void p_sockaddr(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_un un;
	} u;
	size_t len = t->a[l] < sizeof(u) ? t->a[l] : sizeof(u);
	char ip[INET6_ADDRSTRLEN];

	if (!t->a[i]) {
		tb_puts(f, "NULL");
		return;
	}
	memset(&u, 0, sizeof(u));
	if (len < sizeof(u.sa.sa_family) || !get_arg(t, i, &u, len)) {
		tb_printf(f, "%#lx", (unsigned long)t->a[i]);
		return;
	}
	tb_puts(f, "{sa_family=");
	PUT_VAL(f, u.sa.sa_family, families, NULL);
	switch (u.sa.sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &u.in.sin_addr, ip, sizeof(ip));
		tb_printf(f, ", sin_port=htons(%u), sin_addr=inet_addr(\"%s\")", ntohs(u.in.sin_port),
			ip);
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &u.in6.sin6_addr, ip, sizeof(ip));
		tb_printf(f, ", sin6_port=htons(%u), sin6_flowinfo=htonl(%u), inet_pton(AF_INET6, \"%s\", &sin6_addr), sin6_scope_id=%u",
			ntohs(u.in6.sin6_port), ntohl(u.in6.sin6_flowinfo), ip, u.in6.sin6_scope_id);
		break;
	case AF_UNIX: {
		size_t n = len - offsetof(struct sockaddr_un, sun_path);
		const char *p = u.un.sun_path;

		tb_puts(f, ", sun_path=");
		if (n && !p[0]) {		/* abstract: @ and the bytes after the NUL */
			tb_putc(f, '@');
			put_quoted(f, p + 1, n - 1, n - 1, false);
		} else {
			n = strnlen(p, n);
			put_quoted(f, p, n, n, false);
		}
		break;
	}
	default:
		tb_puts(f, ", sa_data=...");
	}
	tb_putc(f, '}');
}
