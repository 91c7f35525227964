# Loaded (through PYTHONPATH) by every moto server internal/motoserver starts (the tests'
# and `scatter local up`'s), and by no other Python process. It works around moto defects
# that cannot be avoided from the outside; the package doc of local/localaws lists what moto
# lacks.
#
# moto's StartExecution deep-copies the state machine to give the new execution a snapshot
# of its definition. The copy includes the machine's list of executions and its backend: a
# running execution holds thread locks, so starting a second execution while one runs fails
# with "TypeError: cannot pickle '_thread.RLock' object" (HTTP 500). Jobs run concurrently,
# so the snapshot here leaves the executions out and shares the backend; everything else
# about the state machine is copied as before.
#
# A patch that no longer applies (a moto upgrade moved what it replaces) stops the server
# with a message naming it, rather than leaving the tests to meet moto's defects again.
import copy
import os
import sys


def _patch():
    from moto.stepfunctions.models import StateMachine

    shared = ("backend",)
    empty = ("executions",)

    def __deepcopy__(self, memo):
        clone = self.__class__.__new__(self.__class__)
        memo[id(self)] = clone
        for name, value in self.__dict__.items():
            if name in shared:
                setattr(clone, name, value)
            elif name in empty:
                setattr(clone, name, [])
            else:
                setattr(clone, name, copy.deepcopy(value, memo))
        return clone

    StateMachine.__deepcopy__ = __deepcopy__


# moto's Distributed Map counts a failed item and carries on: the Map state succeeds whatever
# ToleratedFailurePercentage and ToleratedFailureCount say ("currently have no effect").
# AWS fails the Map run with States.ExceedToleratedFailureThreshold once the failed items
# exceed the threshold, and the definition's Catch takes over. Here the check runs when the
# items are done: the run fails when more items failed than the count tolerates and a larger
# share than the percentage tolerates (AWS, which knows which field is set, fails on either).
def _patch_tolerated_failures():
    from moto.stepfunctions.parser.api import HistoryEventType, MapRunFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (
        DistributedIterationComponent,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    map_run = DistributedIterationComponent._map_run

    def _map_run(self, env, eval_input):
        map_run(self, env=env, eval_input=eval_input)
        items = eval_input.map_run_record.item_counter
        total = items.total.get()
        failed = items.failed.get() + items.timed_out.get() + items.aborted.get()
        count = eval_input.tolerated_failure_count or 0
        percentage = eval_input.tolerated_failure_percentage or 0
        if failed == 0 or failed <= count or failed * 100 <= percentage * total:
            return
        typ = StatesErrorNameType.StatesExceedToleratedFailureThreshold
        raise FailureEventException(
            failure_event=FailureEvent(
                env=env,
                error_name=StatesErrorName(typ=typ),
                event_type=HistoryEventType.MapRunFailed,
                event_details=EventDetails(
                    mapRunFailedEventDetails=MapRunFailedEventDetails(
                        error=typ.to_name(),
                        cause=f"The specified tolerated failure threshold was exceeded: {failed} of {total} items failed",
                    )
                ),
            )
        )

    DistributedIterationComponent._map_run = _map_run


# moto's DynamoDB checks a ConditionExpression and then writes, without a lock, while its
# server answers requests on many threads: two concurrent conditional writes can both pass
# (two "first" commits; a job opened twice counted as two runs). DynamoDB makes each
# conditional write atomic; so does this, by running the item writes one at a time.
def _patch_dynamodb_atomic_writes():
    from moto.dynamodb.models import DynamoDBBackend
    import functools
    import threading

    lock = threading.RLock()

    def locked(fn):
        @functools.wraps(fn)
        def write(self, *args, **kwargs):
            with lock:
                return fn(self, *args, **kwargs)

        return write

    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        setattr(DynamoDBBackend, name, locked(getattr(DynamoDBBackend, name)))


def _apply():
    try:
        import moto
    except ImportError:  # moto missing: the server itself reports it
        return
    for patch in (_patch, _patch_tolerated_failures, _patch_dynamodb_atomic_writes):
        try:
            patch()
        except Exception as e:  # site.py would print and go on without the patch
            sys.stderr.write(f"scattergather: moto {getattr(moto, '__version__', '?')}: {patch.__name__} no longer applies: {e!r}\n")
            sys.stderr.flush()
            os._exit(3)


_apply()
