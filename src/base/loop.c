// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "src/base/list.h"
#include "src/base/loop.h"

#define MAX_SIGNALS 8

struct loop_io {
	struct list_head link; /* loop->watches, or loop->dead */
	struct loop *loop;
	int fd;
	uint32_t events;
	bool dead;
	loop_io_cb cb;
	void *data;
	loop_destroy_cb destroy;
};

struct loop_timer {
	struct loop_io *io;
	int fd;
	loop_timer_cb cb;
	void *data;
	loop_destroy_cb destroy;
};

struct loop_defer {
	struct list_head link;
	void (*cb)(void *data);
	void *data;
};

struct loop {
	int epfd;
	int sigfd;
	sigset_t sigmask;
	struct loop_io *sigio;
	struct {
		int signo;
		loop_signal_cb cb;
		void *data;
	} signals[MAX_SIGNALS];
	unsigned int nsignals;
	struct list_head watches;
	struct list_head dead; /* removed during dispatch, freed after it */
	struct list_head deferred;
	bool running;
	bool quit; /* loop_quit() was called, perhaps before loop_run() */
	bool dispatching; /* inside a round: frees are deferred */
	int exit_code;
};

int loop_new(struct loop **ret)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return -ENOMEM;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int r = -errno;

		free(loop);
		return r;
	}
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	list_init(&loop->watches);
	list_init(&loop->dead);
	list_init(&loop->deferred);
	*ret = loop;
	return 0;
}

static void io_free(struct loop_io *io)
{
	list_del(&io->link);
	if (io->destroy)
		io->destroy(io->data);
	free(io);
}

static void reap(struct loop *loop)
{
	while (!list_empty(&loop->dead))
		io_free(list_first_entry(&loop->dead, struct loop_io, link));
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	while (!list_empty(&loop->watches))
		loop_io_remove(list_first_entry(&loop->watches, struct loop_io, link));
	reap(loop);
	while (!list_empty(&loop->deferred))
		loop_defer_cancel(list_first_entry(&loop->deferred, struct loop_defer, link));
	if (loop->sigfd >= 0)
		close(loop->sigfd);
	close(loop->epfd);
	free(loop);
}

int loop_io_add(struct loop *loop, int fd, uint32_t events, loop_io_cb cb, void *data,
		loop_destroy_cb destroy, struct loop_io **ret)
{
	struct epoll_event ev = { .events = events };
	struct loop_io *io = calloc(1, sizeof(*io));

	if (!io)
		return -ENOMEM;
	io->loop = loop;
	io->fd = fd;
	io->events = events;
	io->cb = cb;
	io->data = data;
	io->destroy = destroy;
	ev.data.ptr = io;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		free(io);
		return r;
	}
	list_add_tail(&io->link, &loop->watches);
	if (ret)
		*ret = io;
	return 0;
}

int loop_io_modify(struct loop_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	if (io->events == events)
		return 0;
	if (epoll_ctl(io->loop->epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0)
		return -errno;
	io->events = events;
	return 0;
}

uint32_t loop_io_events(const struct loop_io *io)
{
	return io->events;
}

void loop_io_remove(struct loop_io *io)
{
	if (!io || io->dead)
		return;
	/* The fd may be closed already by its owner; the kernel dropped
	 * it from the epoll set then, so the error does not matter. */
	epoll_ctl(io->loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->dead = true;
	list_del(&io->link);
	list_add_tail(&io->link, &io->loop->dead);
	if (!io->loop->dispatching)
		reap(io->loop);
}

static void timer_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct loop_timer *t = data;
	uint64_t n;

	if (read(t->fd, &n, sizeof(n)) != sizeof(n))
		return;
	t->cb(t, t->data);
}

static void timer_destroy(void *data)
{
	struct loop_timer *t = data;

	if (t->destroy)
		t->destroy(t->data);
	close(t->fd);
	free(t);
}

int loop_timer_add(struct loop *loop, loop_timer_cb cb, void *data, loop_destroy_cb destroy,
		   struct loop_timer **ret)
{
	struct loop_timer *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->fd < 0) {
		r = -errno;
		free(t);
		return r;
	}
	t->cb = cb;
	t->data = data;
	t->destroy = destroy;
	r = loop_io_add(loop, t->fd, EPOLLIN, timer_ready, t, timer_destroy, &t->io);
	if (r < 0) {
		close(t->fd);
		free(t);
		return r;
	}
	*ret = t;
	return 0;
}

int loop_timer_arm(struct loop_timer *t, uint64_t ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(ms / 1000);
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000;
	if (timerfd_settime(t->fd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

void loop_timer_remove(struct loop_timer *t)
{
	if (t)
		loop_io_remove(t->io);
}

static void signal_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct loop *loop = data;
	struct signalfd_siginfo si;
	unsigned int i;

	while (read(loop->sigfd, &si, sizeof(si)) == sizeof(si))
		for (i = 0; i < loop->nsignals; i++)
			if (loop->signals[i].signo == (int)si.ssi_signo)
				loop->signals[i].cb(loop, (int)si.ssi_signo, loop->signals[i].data);
}

int loop_signal_add(struct loop *loop, int signo, loop_signal_cb cb, void *data)
{
	int fd, r;

	if (loop->nsignals >= MAX_SIGNALS)
		return -ENOSPC;
	sigaddset(&loop->sigmask, signo);
	if (sigprocmask(SIG_BLOCK, &loop->sigmask, NULL) < 0)
		return -errno;
	fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (loop->sigfd < 0) {
		loop->sigfd = fd;
		r = loop_io_add(loop, fd, EPOLLIN, signal_ready, loop, NULL, &loop->sigio);
		if (r < 0) {
			close(fd);
			loop->sigfd = -1;
			return r;
		}
	}
	loop->signals[loop->nsignals].signo = signo;
	loop->signals[loop->nsignals].cb = cb;
	loop->signals[loop->nsignals].data = data;
	loop->nsignals++;
	return 0;
}

int loop_defer(struct loop *loop, void (*cb)(void *data), void *data, struct loop_defer **ret)
{
	struct loop_defer *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->cb = cb;
	d->data = data;
	list_add_tail(&d->link, &loop->deferred);
	if (ret)
		*ret = d;
	return 0;
}

void loop_defer_cancel(struct loop_defer *d)
{
	if (!d)
		return;
	list_del(&d->link);
	free(d);
}

static void run_deferred(struct loop *loop)
{
	while (!list_empty(&loop->deferred)) {
		struct loop_defer *d = list_first_entry(&loop->deferred, struct loop_defer, link);
		void (*cb)(void *data) = d->cb;
		void *data = d->data;

		list_del(&d->link);
		free(d);
		cb(data);
	}
}

void loop_quit(struct loop *loop, int code)
{
	loop->running = false;
	loop->quit = true;
	loop->exit_code = code;
}

int loop_run(struct loop *loop)
{
	struct epoll_event evs[64];

	/* A quit asked for before the loop ran (a device that died while
	 * others were still being set up) still ends it, with its code. */
	loop->running = !loop->quit;
	if (!loop->quit)
		loop->exit_code = 0;
	loop->quit = false;
	while (loop->running) {
		int i, n;

		n = epoll_wait(loop->epfd, evs, 64, list_empty(&loop->deferred) ? -1 : 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		loop->dispatching = true;
		for (i = 0; i < n; i++) {
			struct loop_io *io = evs[i].data.ptr;

			/* Removed by an earlier callback of this round. */
			if (io->dead)
				continue;
			io->cb(io, evs[i].events, io->data);
		}
		run_deferred(loop);
		loop->dispatching = false;
		reap(loop);
	}
	loop->quit = false;
	reap(loop);
	return loop->exit_code;
}
