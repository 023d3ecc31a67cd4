/* SPDX-License-Identifier: MIT */
/*
 * One epoll event loop for the whole process: file descriptors, timers
 * (timerfd) and signals (signalfd). Every watch is registered with
 * (callback, user_data, destroy); destroy runs when the watch is removed
 * or the loop freed. Removing a watch from inside any callback is safe.
 */
#ifndef VUSB_LOOP_H
#define VUSB_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct loop;
struct loop_io;
struct loop_timer;

typedef void (*loop_io_cb)(struct loop_io *io, uint32_t events, void *data);
typedef void (*loop_timer_cb)(struct loop_timer *t, void *data);
typedef void (*loop_signal_cb)(struct loop *loop, int signo, void *data);
typedef void (*loop_destroy_cb)(void *data);

/* 0 or -errno. */
int loop_new(struct loop **ret);
/* Removes every watch (running their destroy callbacks). NULL-safe. */
void loop_free(struct loop *loop);

/*
 * Watch fd for EPOLLIN/EPOLLOUT/... The loop does not own fd.
 * 0 with *ret, or -errno.
 */
int loop_io_add(struct loop *loop, int fd, uint32_t events, loop_io_cb cb, void *data,
		loop_destroy_cb destroy, struct loop_io **ret);
int loop_io_modify(struct loop_io *io, uint32_t events);
uint32_t loop_io_events(const struct loop_io *io);
void loop_io_remove(struct loop_io *io);

/* A one-shot timer, disarmed until loop_timer_arm(). 0 or -errno. */
int loop_timer_add(struct loop *loop, loop_timer_cb cb, void *data, loop_destroy_cb destroy,
		   struct loop_timer **ret);
/* Fire once after ms milliseconds; 0 disarms. 0 or -errno. */
int loop_timer_arm(struct loop_timer *t, uint64_t ms);
void loop_timer_remove(struct loop_timer *t);

/*
 * Deliver signo through the loop (signalfd); the signal is blocked for
 * the process. 0 or -errno.
 */
int loop_signal_add(struct loop *loop, int signo, loop_signal_cb cb, void *data);

/*
 * Run cb(data) once, after the current round of callbacks (or at the next
 * one). For work that must not happen deep inside another callback, such
 * as freeing the object that called. 0 with *ret (may be NULL), or -errno.
 */
struct loop_defer;
int loop_defer(struct loop *loop, void (*cb)(void *data), void *data, struct loop_defer **ret);
/* Cancel a deferred call that has not run yet. NULL-safe. */
void loop_defer_cancel(struct loop_defer *d);

/* Run until loop_quit(); returns the code given to it, or -errno. */
int loop_run(struct loop *loop);
void loop_quit(struct loop *loop, int code);

#endif
