// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel threads for the endless loops of ramster.ko's cluster layer (the
 * listener, each connection's receive loop, the ticker), wrapped once by
 * src/net/threads.rs. A work item that never returns holds a worker of its
 * workqueue for good, and under memory pressure the rescuer of a
 * WQ_MEM_RECLAIM queue runs one work item at a time: a second endless one
 * would never run. A kernel thread is its own.
 *
 * A group counts the threads it started. Each thread completes the group's
 * completion as it exits, from kthread_complete_and_exit(), so that no code
 * of this module runs after that: the module may go as soon as
 * ramster_threads_wait() has seen every thread exit.
 */
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "cluster_shim.h"

struct ramster_threads {
	struct completion exited;
	atomic_long_t started;
};

struct ramster_thread_start {
	struct ramster_threads *group;
	void (*fn)(void *data);
	void *data;
};

static int ramster_thread_main(void *arg)
{
	struct ramster_thread_start start = *(struct ramster_thread_start *)arg;

	kfree(arg);
	start.fn(start.data);
	kthread_complete_and_exit(&start.group->exited, 0);
}

struct ramster_threads *ramster_threads_new(void)
{
	struct ramster_threads *group = kzalloc(sizeof(*group), GFP_KERNEL);

	if (group)
		init_completion(&group->exited);
	return group;
}

int ramster_thread_spawn(struct ramster_threads *group, void (*fn)(void *),
			 void *data, const char *name, int unit)
{
	struct ramster_thread_start *start;
	struct task_struct *task;

	start = kmalloc(sizeof(*start), GFP_KERNEL);
	if (!start)
		return -ENOMEM;
	start->group = group;
	start->fn = fn;
	start->data = data;
	if (unit < 0)
		task = kthread_run(ramster_thread_main, start, "%s", name);
	else
		task = kthread_run(ramster_thread_main, start, "%s/%d", name,
				   unit);
	if (IS_ERR(task)) {
		/* The thread never ran: @fn did not take @data. */
		kfree(start);
		return PTR_ERR(task);
	}
	atomic_long_inc(&group->started);
	return 0;
}

void ramster_threads_wait(struct ramster_threads *group)
{
	long left = atomic_long_read(&group->started);

	while (left-- > 0)
		wait_for_completion(&group->exited);
	atomic_long_set(&group->started, 0);
}

void ramster_threads_free(struct ramster_threads *group)
{
	kfree(group);
}
