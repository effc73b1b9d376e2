"""`task`: django-tasks' decorator, with the request id carried from whoever enqueues to the worker that runs
the task (common.tracing)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import Token
from typing import Any, ParamSpec, TypeVar

from django.db import connections
from django.dispatch import receiver
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.base import Task, TaskResult
from django_tasks.signals import task_finished, task_started

from embassy.common.tracing import bound, current_id, new_id

P = ParamSpec("P")
T = TypeVar("T")

BULK_QUEUE = "bulk"
KWARG = "_request_id"  # the keyword argument that carries the id into a task (taken off before the task runs)


class TracedTask(Task[P, T]):
    """A django-tasks Task whose enqueue carries the current request id to the worker."""

    def enqueue(self, *args: P.args, **kwargs: P.kwargs) -> TaskResult[T]:
        return super().enqueue(*args, **_with_id(kwargs))

    async def aenqueue(self, *args: P.args, **kwargs: P.kwargs) -> TaskResult[T]:
        return await super().aenqueue(*args, **_with_id(kwargs))


def _with_id(kwargs: Any) -> Any:
    return {**kwargs, KWARG: current_id.get() or new_id()} if KWARG not in kwargs else kwargs


def _run_bound(function: Callable[P, T]) -> Callable[P, T]:
    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        request_id = str(kwargs.pop(KWARG, "") or current_id.get() or new_id())
        with bound(request_id):
            return function(*args, **kwargs)

    return run


def task(function: Callable[P, T] | None = None, **options: Any) -> Any:
    """`@task` or `@task(queue_name=..., priority=...)`, as django-tasks' own, returning a TracedTask."""

    def decorate(f: Callable[P, T]) -> TracedTask[P, T]:
        backend = task_backends[options.get("backend", DEFAULT_TASK_BACKEND_ALIAS)]
        # RQ has no priorities: the order of a worker's queues is the priority instead. Low-priority tasks (the slow
        # pulls from the social platforms) go to the "bulk" queue, which not every worker serves, so that they
        # never hold all the workers while an SOS waits (docs/operations.md).
        if not backend.supports_priority and options.pop("priority", 0) < 0 and BULK_QUEUE in backend.queues:
            options["queue_name"] = BULK_QUEUE
        return TracedTask(func=_run_bound(f), **options)

    return decorate(function) if function is not None else decorate


_bound_in_worker: dict[str, Token[str]] = {}


def _fresh_connections() -> None:
    """What Django does around each request, around each task: drop a database connection that broke (the
    database restarted) or outlived CONN_MAX_AGE. A worker that runs tasks in its own process (rq's SimpleWorker)
    would otherwise fail every later task on a dead connection. Never inside a transaction."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


@receiver(task_started)
def _bind_for_the_worker(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    """The worker's own lines about a task (its end, a failure's traceback) carry the task's request id too."""
    _fresh_connections()
    request_id = (task_result.kwargs or {}).get(KWARG)
    if request_id:
        _bound_in_worker[task_result.id] = current_id.set(str(request_id))


@receiver(task_finished)
def _unbind_for_the_worker(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    token = _bound_in_worker.pop(task_result.id, None)
    if token is not None:
        current_id.reset(token)
    _fresh_connections()
