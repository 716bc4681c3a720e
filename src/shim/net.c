// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel TCP sockets for the cluster layer of ramster.ko.
 *
 * The Rust bindings of Linux 6.12 have the socket calls but neither init_net
 * nor struct sockaddr_in, nor tcp_sock_set_nodelay(), so every socket is made
 * and used through these few helpers. src/net/socket.rs wraps them once in a
 * safe type. All of them may sleep: call them in process context only, never
 * under a spinlock. Errors are negative errnos.
 */
#include <linux/in.h>
#include <linux/net.h>
#include <linux/tcp.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "cluster_shim.h"

#define RAMSTER_BACKLOG 64

static void ramster_sock_setup(struct socket *sock, unsigned int send_timeout_ms)
{
	struct sock *sk = sock->sk;

	/* Sends and connects give up after this long instead of blocking. */
	sk->sk_sndtimeo = msecs_to_jiffies(send_timeout_ms);
	/* Frames are small and answered at once: do not batch them. */
	tcp_sock_set_nodelay(sk);
	/* Later sends may run from reclaim: never use the task's page frag. */
	sk->sk_allocation = GFP_NOIO;
	sk->sk_use_task_frag = false;
	/*
	 * Swap pages travel on this socket: under memory pressure it may use
	 * the emergency reserves, as swap over NBD and NFS do.
	 */
	sk_set_memalloc(sk);
}

static void ramster_sin(struct sockaddr_in *sin, const u8 *addr, u16 port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	memcpy(&sin->sin_addr.s_addr, addr, 4);
}

int ramster_sock_listen(const u8 *addr, u16 port, struct socket **out)
{
	struct sockaddr_in sin;
	struct socket *sock;
	int ret;

	ret = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (ret)
		return ret;
	sock_set_reuseaddr(sock->sk);
	ramster_sin(&sin, addr, port);
	ret = kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
	if (!ret)
		ret = kernel_listen(sock, RAMSTER_BACKLOG);
	if (ret) {
		sock_release(sock);
		return ret;
	}
	*out = sock;
	return 0;
}

int ramster_sock_accept(struct socket *listener, unsigned int send_timeout_ms,
			struct socket **out, u8 *peer_addr)
{
	struct sockaddr_in sin;
	struct socket *sock;
	int ret;

	ret = kernel_accept(listener, &sock, 0);
	if (ret)
		return ret;
	memset(&sin, 0, sizeof(sin));
	ret = kernel_getpeername(sock, (struct sockaddr *)&sin);
	if (ret < 0 || sin.sin_family != AF_INET) {
		sock_release(sock);
		return ret < 0 ? ret : -EAFNOSUPPORT;
	}
	memcpy(peer_addr, &sin.sin_addr.s_addr, 4);
	ramster_sock_setup(sock, send_timeout_ms);
	*out = sock;
	return 0;
}

int ramster_sock_connect(const u8 *addr, u16 port,
			 unsigned int send_timeout_ms, struct socket **out)
{
	struct sockaddr_in sin;
	struct socket *sock;
	int ret;

	ret = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (ret)
		return ret;
	ramster_sock_setup(sock, send_timeout_ms);
	ramster_sin(&sin, addr, port);
	/* A blocking connect waits at most sk_sndtimeo. */
	ret = kernel_connect(sock, (struct sockaddr *)&sin, sizeof(sin), 0);
	if (ret) {
		sock_release(sock);
		return ret;
	}
	*out = sock;
	return 0;
}

/*
 * Sends a frame (@head, @payload, @tail) within the socket's send timeout in
 * all, or fails (-EAGAIN: the frame may be partly sent; the caller closes the
 * connection). The three parts go in one sendmsg, so TCP builds the frame's
 * segments in one pass; each call after a partial send waits only what is left
 * of the budget, so a peer that reads a little at a time cannot stretch it.
 */
int ramster_sock_send(struct socket *sock, const void *head, size_t head_len,
		      const void *payload, size_t payload_len,
		      const void *tail, size_t tail_len)
{
	long budget = READ_ONCE(sock->sk->sk_sndtimeo);
	unsigned long deadline = jiffies + budget;
	struct kvec vec[3] = {
		{ .iov_base = (void *)head, .iov_len = head_len },
		{ .iov_base = (void *)payload, .iov_len = payload_len },
		{ .iov_base = (void *)tail, .iov_len = tail_len },
	};
	size_t left = head_len + payload_len + tail_len;
	struct kvec *first = vec;
	int ret = 0;

	if (budget == MAX_SCHEDULE_TIMEOUT || budget <= 0)
		return -EINVAL;
	while (left) {
		long timeo = (long)(deadline - jiffies);
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
		size_t done;

		if (timeo <= 0) {
			ret = -EAGAIN;
			break;
		}
		/* Senders are serialized by the connection's send lock. */
		WRITE_ONCE(sock->sk->sk_sndtimeo, timeo);
		ret = kernel_sendmsg(sock, &msg, first, vec + 3 - first, left);
		if (ret <= 0) {
			ret = ret ? ret : -EPIPE;
			break;
		}
		left -= ret;
		/* Skip what went out: whole parts, then the start of the next. */
		for (done = ret; done && done >= first->iov_len; first++)
			done -= first->iov_len;
		if (done) {
			first->iov_base += done;
			first->iov_len -= done;
		}
		ret = 0;
	}
	WRITE_ONCE(sock->sk->sk_sndtimeo, budget);
	return ret;
}

unsigned long ramster_deadline_after_ms(unsigned int ms)
{
	return jiffies + msecs_to_jiffies(ms);
}

/*
 * Fills @len bytes at @buf. With @has_deadline, the whole of it must arrive
 * before jiffies reach @deadline, however the peer splits it: else -EAGAIN.
 */
int ramster_sock_recv(struct socket *sock, void *buf, size_t len,
		      bool has_deadline, unsigned long deadline)
{
	size_t done = 0;

	if (len > INT_MAX)
		return -EINVAL;
	while (done < len) {
		long timeo = MAX_SCHEDULE_TIMEOUT;
		struct kvec vec = {
			.iov_base = buf + done,
			.iov_len = len - done,
		};
		struct msghdr msg = { .msg_flags = 0 };
		int ret;

		if (has_deadline) {
			timeo = (long)(deadline - jiffies);
			if (timeo <= 0)
				return -EAGAIN;
		}
		/* Only the socket's one receiver changes it. */
		WRITE_ONCE(sock->sk->sk_rcvtimeo, timeo);
		ret = kernel_recvmsg(sock, &msg, &vec, 1, len - done,
				     MSG_WAITALL);
		if (ret < 0)
			return ret;
		if (ret == 0)
			return done ? -EPIPE : 0;
		done += ret;
	}
	return len;
}

/*
 * Waits for data and receives what the socket has, at most len bytes (the
 * receive worker's reads: often several frames at once). Returns the bytes
 * received, 0 at the end of the stream, or a negative errno.
 */
int ramster_sock_recv_some(struct socket *sock, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = 0 };

	if (len > INT_MAX)
		return -EINVAL;
	/* Only the socket's one receiver changes it. */
	WRITE_ONCE(sock->sk->sk_rcvtimeo, MAX_SCHEDULE_TIMEOUT);
	return kernel_recvmsg(sock, &msg, &vec, 1, len, 0);
}

void ramster_sock_shutdown(struct socket *sock)
{
	kernel_sock_shutdown(sock, SHUT_RDWR);
}

void ramster_sock_release(struct socket *sock)
{
	if (sock->sk && sock_flag(sock->sk, SOCK_MEMALLOC))
		sk_clear_memalloc(sock->sk);
	sock_release(sock);
}

struct workqueue_struct *ramster_alloc_workqueue(const char *name)
{
	/*
	 * Short work only (detached sends, pinning): the endless loops are
	 * kernel threads (shim/threads.c). Sends may be needed under memory
	 * pressure: a rescuer runs them when no new worker can be created.
	 */
	return alloc_workqueue("%s", WQ_UNBOUND | WQ_MEM_RECLAIM,
			       WQ_UNBOUND_MAX_ACTIVE, name);
}

void ramster_destroy_workqueue(struct workqueue_struct *wq)
{
	destroy_workqueue(wq);
}
