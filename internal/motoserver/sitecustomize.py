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


# _fail raises the Step Functions error typ (a StatesErrorNameType) with cause, recorded in the
# history as event_type with its details under field (details: the event's details class).
def _fail(env, typ, cause, event_type, field, details):
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    event_details = EventDetails(**{field: details(error=typ.to_name(), cause=cause)})
    raise FailureEventException(
        failure_event=FailureEvent(env=env, error_name=StatesErrorName(typ=typ), event_type=event_type, event_details=event_details)
    )


# moto's Distributed Map counts a failed item and carries on: the Map state succeeds whatever
# ToleratedFailurePercentage and ToleratedFailureCount say ("currently have no effect").
# AWS fails the Map run with States.ExceedToleratedFailureThreshold once the failed items
# exceed the threshold, and the definition's Catch takes over. Here the check runs when the
# items are done: the run fails when more items failed than the count tolerates and a larger
# share than the percentage tolerates (AWS, which knows which field is set, fails on either).
def _patch_tolerated_failures():
    from moto.stepfunctions.parser.api import HistoryEventType, MapRunFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (
        DistributedIterationComponent,
    )

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
        _fail(
            env,
            StatesErrorNameType.StatesExceedToleratedFailureThreshold,
            f"The specified tolerated failure threshold was exceeded: {failed} of {total} items failed",
            HistoryEventType.MapRunFailed,
            "mapRunFailedEventDetails",
            MapRunFailedEventDetails,
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


# RedriveExecution (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html)
# is not in moto. This approximates what AWS documents: an execution that FAILED, TIMED_OUT
# or was ABORTED is continued, under the same ARN and definition, from its unsuccessful step
# (the last top-level state it entered, found in its history) with that step's input; the
# steps that succeeded are not run again, RedriveCount goes up by one (in DescribeExecution
# and in the context object, $$.Execution.RedriveCount, which every execution now has) and
# the history carries on with an ExecutionRedriven event. Where it differs from AWS: a
# Distributed Map that failed the execution itself is run again whole (AWS reruns only its
# unsuccessful child executions), retry counts are not shown per redrive, and neither the
# 14-day window nor the 24,999-event limit is checked.
def _patch_redrive():
    import datetime
    import json

    from moto.core.responses import ActionResult
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.parser.api import ExecutionStatus, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.flow.start_at import StartAt
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    class ExecutionNotRedrivable(AWSError):
        TYPE = "ExecutionNotRedrivable"
        STATUS = 400

    get_env = ExecutionWorker._get_evaluation_environment

    def _get_evaluation_environment(self):
        env = get_env(self)
        execution = env.states.context_object.context_object_data["Execution"]
        execution["RedriveCount"] = getattr(self, "scatter_redrive_count", 0)
        return env

    ExecutionWorker._get_evaluation_environment = _get_evaluation_environment

    class RedriveWorker(ExecutionWorker):
        def _execution_logic(self):
            start_at, state_input, history, count = self.scatter_redrive
            program = self._get_evaluation_entrypoint()
            program.start_at = StartAt(start_at_name=start_at)
            self.env = self._get_evaluation_environment()
            self.env.states.reset(input_value=state_input)
            manager = self.env.event_manager
            manager._history_event_list.extend(history)
            manager._event_id_gen._next_id = len(history) + 1
            manager.add_event(
                context=self.env.event_history_context,
                event_type=HistoryEventType.ExecutionRedriven,
                event_details=EventDetails(executionRedrivenEventDetails={"redriveCount": count}),
                update_source_event_id=False,
            )
            program.eval(self.env)
            self._execution_communication.terminated()

    def redrive_execution(self, execution_arn):
        execution = self.describe_execution(execution_arn)
        status = execution.exec_status
        if status not in (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.ABORTED):
            raise ExecutionNotRedrivable(f"Execution {execution_arn} is {status.value} and cannot be redriven")
        program = AmazonStateLanguageParser.parse(execution.state_machine.definition)[0]
        top = program.states.states
        history = execution.exec_worker.env.event_manager.get_event_history()
        start_at, state_input = program.start_at.start_at_name, execution.input_data
        for event in reversed(history):
            details = event.get("stateEnteredEventDetails")
            if str(event.get("type", "")).endswith("StateEntered") and details and details.get("name") in top:
                start_at, state_input = details["name"], json.loads(details.get("input") or "{}")
                break
        count = getattr(execution, "scatter_redrive_count", 0) + 1
        worker = execution._get_start_execution_worker()
        worker.__class__ = RedriveWorker
        worker.scatter_redrive = (start_at, state_input, history, count)
        worker.scatter_redrive_count = count
        execution.scatter_redrive_count = count
        execution.scatter_redrive_date = datetime.datetime.now(tz=datetime.timezone.utc)
        execution.exec_worker = worker
        execution.exec_status = ExecutionStatus.RUNNING
        execution.stop_date = execution.error = execution.cause = execution.output = None
        worker.start()
        return execution

    StepFunctionsParserBackend.redrive_execution = redrive_execution

    def redrive_execution_action(self):
        execution = self.stepfunction_backend.redrive_execution(self._get_param("executionArn"))
        return ActionResult({"redriveDate": execution.scatter_redrive_date})

    StepFunctionResponse.redrive_execution = redrive_execution_action

    describe = StepFunctionResponse.describe_execution

    def describe_execution(self):
        result = describe(self)
        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        count = getattr(execution, "scatter_redrive_count", 0)
        result.result["redriveCount"] = count
        if count:
            result.result["redriveDate"] = execution.scatter_redrive_date
        return result

    StepFunctionResponse.describe_execution = describe_execution


# moto's ResultWriter (arn:aws:states:::s3:putObject) evaluates its Parameters' paths against
# the Map's results, and writes a manifest that names no result files ("TODO: generate result
# files"). AWS resolves them in the Distributed Map state's input (the IAM section of
# https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html: "a
# reference path to an existing key-value pair in your Distributed Map state input"), so here
# the Parameters see the state's input. This writes the Map Run's results as AWS does
# (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html): the
# successful children's outputs in <prefix>/<map run>/SUCCEEDED_0.json, named by the
# manifest. moto runs the children as threads, not executions, so each entry has the Status
# and the Output (as JSON text) but not the child execution's ARN, input or dates; failed and
# pending children are not written (moto fails such a Map before its ResultWriter runs).
def _patch_result_writer():
    import copy
    import json

    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.result_writer_decl import (
        ResultWriter,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap

    eval_execution = StateMap._eval_execution

    def _eval_execution(self, env):
        env.scatter_map_input = copy.deepcopy(env.states.get_input())
        return eval_execution(self, env)

    StateMap._eval_execution = _eval_execution

    def _eval_body(self, env):
        # Paths read the top of the stack, where moto has the results: evaluate the
        # Parameters over the state's input instead, and leave [results, parameters].
        env.stack.append(copy.deepcopy(env.scatter_map_input))
        self.parargs.eval(env=env)
        parameters = env.stack.pop()
        env.stack.pop()
        env.stack.append(parameters)
        self.resource_eval.eval_resource(env=env)

    ResultWriter._eval_body = _eval_body

    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3 import (
        ResourceEvalS3,
    )

    def _handle_put_object(env, resource_runtime_part, state_credentials):
        parameters = env.stack.pop()
        results = env.stack.pop()
        s3 = ResourceEvalS3._get_s3_client(resource_runtime_part=resource_runtime_part, state_credentials=state_credentials)
        map_run = env.map_run_record_pool_manager.get_all().pop()
        run_id = map_run.map_run_arn.split(":")[-1]
        bucket, prefix = parameters["Bucket"], parameters.get("Prefix", "")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        files = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
        entries = [{"Status": "SUCCEEDED", "Output": json.dumps(r, separators=(",", ":"))} for r in (results or [])]
        if entries:
            body = json.dumps(entries).encode("utf8")
            key = prefix + run_id + "/SUCCEEDED_0.json"
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            files["SUCCEEDED"].append({"Key": key, "Size": len(body)})
        key = prefix + run_id + "/manifest.json"
        manifest = {"DestinationBucket": bucket, "MapRunArn": map_run.map_run_arn, "ResultFiles": files}
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest, indent=2).encode("utf8"))
        env.stack.append({"MapRunArn": map_run.map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": key}})

    ResourceEvalS3._handle_put_object = staticmethod(_handle_put_object)


# moto's Step Functions interpreter parses every JSONPath each time it evaluates one
# (jsonpath_ng's parse builds a PLY lexer and LALR parser per call, reading its own source
# and taking the import lock: about 10 ms of CPU). A Distributed Map child evaluates about a
# dozen (ItemSelector, TimeoutSecondsPath, Payload, ResultSelector), so moto spent most of a
# second of CPU on each chunk and a job of thousands of chunks took hours. The parsed path
# is immutable and find() only reads it: here each distinct path is parsed once.
def _patch_json_path_cache():
    import functools

    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    for module in (json_path, result_path):
        module.parse = functools.lru_cache(maxsize=4096)(module.parse)


# moto's ASL grammar knows only "STANDARD" as a Distributed Map's
# ProcessorConfig.ExecutionType and refuses a definition with "EXPRESS" children
# (mismatched input '"EXPRESS"' expecting '"STANDARD"'), which AWS runs
# (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html).
# Here moto parses such a definition with its children as Standard ones: they run
# exactly once and without Express's five-minute limit, which only the local engine
# (local/asl) and AWS enforce. DescribeStateMachine still shows the definition as given.
def _patch_express_children():
    import json

    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    original = AmazonStateLanguageParser.parse

    def standardize(node):
        if isinstance(node, dict):
            cfg = node.get("ProcessorConfig")
            if isinstance(cfg, dict) and cfg.get("ExecutionType") == "EXPRESS":
                cfg["ExecutionType"] = "STANDARD"
            for v in node.values():
                standardize(v)
        elif isinstance(node, list):
            for v in node:
                standardize(v)

    def parse(definition):
        if '"EXPRESS"' in definition:
            try:
                doc = json.loads(definition)
            except ValueError:  # not JSON: moto's parser reports it
                return original(definition)
            standardize(doc)
            definition = json.dumps(doc)
        return original(definition)

    AmazonStateLanguageParser.parse = staticmethod(parse)


# Step Functions fails a payload over 256 KiB (internal/sfnquota.PayloadBytes of UTF-8) with
# States.DataLimitExceeded: a task's or connector's output, a state's output, a state's input
# after Parameters, and an execution's input, which for a Distributed Map's child execution
# is its item after ItemSelector
# (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html,
# https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). Without
# a ResultWriter a Distributed Map gathers its children's results into its output, which the
# quota bounds too (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
# The error is terminal: "States.ALL ... can't catch the States.DataLimitExceeded terminal
# error or Runtime error types" (the error-handling page), so no Retry or Catch matches it.
# moto checks a state's and a task's output only, counts its size with spaces after every
# comma and colon and non-ASCII characters as \uXXXX escapes (so it fails payloads AWS
# accepts), refuses a payload of exactly the quota, and lets States.ALL catch the error. Here the size
# is the compact JSON's UTF-8 bytes, at most the quota passes, the input after Parameters, each
# child execution's input and a Distributed Map's inline results are checked as well, and
# States.DataLimitExceeded and States.Runtime match no ErrorEquals (an explicit name neither:
# the page calls it terminal and names nothing that catches it; local/asl's errorMatches says
# the same). The failure is recorded as moto records its own output check, a TaskFailed event
# with executionFailedEventDetails: AWS's documentation names the error, not the history event.
# The limit comes from Go (internal/sfnquota.PayloadBytes, in the environment variable below,
# set by internal/motoserver), so this file and the local engine cannot disagree on it.
def _payload_limit():
    name = "SCATTERGATHER_STATES_PAYLOAD_BYTES"
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        sys.stderr.write(f"scattergather: {name} must hold Step Functions' payload quota in bytes (internal/motoserver sets it), got {os.environ.get(name)!r}\n")
        sys.stderr.flush()
        os._exit(3)


def _patch_data_limit():
    import json

    limit = _payload_limit()

    from moto.stepfunctions.parser import quotas
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.common.parargs import Parameters
    from moto.stepfunctions.parser.asl.component.state import state
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor.distributed_item_processor import (
        DistributedItemProcessor,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor.distributed_item_processor_worker import (
        DistributedItemProcessorWorker,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_lambda
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service
    from moto.stepfunctions.parser.asl.utils.encoding import _DateTimeEncoder

    typ = StatesErrorNameType.StatesStatesDataLimitExceeded

    def size(value):
        if not isinstance(value, str):
            value = json.dumps(value, cls=_DateTimeEncoder, separators=(",", ":"), ensure_ascii=False)
        return len(value.encode("utf-8"))

    def is_within_size_quota(value):
        return size(value) <= limit

    for module in (quotas, state, state_task_lambda, state_task_service):
        module.is_within_size_quota = is_within_size_quota

    def check(env, value, what):
        n = size(value)
        if n > limit:
            cause = f"{what} has a size of {n} bytes, exceeding the maximum of {limit} bytes (256 KiB)"
            _fail(env, typ, cause, HistoryEventType.TaskFailed, "executionFailedEventDetails", ExecutionFailedEventDetails)

    parameters_eval = Parameters._eval_body

    def parameters_eval_body(self, env):
        parameters_eval(self, env)
        name = env.states.context_object.context_object_data.get("State", {}).get("Name", "?")
        check(env, env.stack[-1], f"The input of the state '{name}' after Parameters")

    Parameters._eval_body = parameters_eval_body

    worker_eval_input = DistributedItemProcessorWorker._eval_input

    def _eval_input(self, env_frame):
        worker_eval_input(self, env_frame)
        index = env_frame.states.context_object.context_object_data.get("Map", {}).get("Item", {}).get("Index", "?")
        check(env_frame, env_frame.states.get_input(), f"The child execution input of item {index}")

    DistributedItemProcessorWorker._eval_input = _eval_input

    map_eval_execution = StateMap._eval_execution

    def _eval_execution(self, env):
        map_eval_execution(self, env)
        if self.result_writer is None and isinstance(self.iteration_component, DistributedItemProcessor):
            check(env, env.stack[-1], f"The results of the Distributed Map '{self.name}' without a ResultWriter")

    StateMap._eval_execution = _eval_execution

    terminal = (StatesErrorNameType.StatesStatesDataLimitExceeded, StatesErrorNameType.StatesRuntime)
    error_equals = ErrorEqualsDecl._eval_body

    def error_equals_eval_body(self, env):
        error_name = env.stack[-1]
        if isinstance(error_name, StatesErrorName) and error_name.typ in terminal:
            env.stack.pop()
            env.stack.append(False)
            return
        error_equals(self, env)

    ErrorEqualsDecl._eval_body = error_equals_eval_body

    # An inline Map's iteration that fails passes its error name on to the Map state as a
    # custom name, and moto refuses a custom name that begins with "States." (a
    # States.Runtime instead): keep a States error what it is, as AWS does.
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import iteration_worker

    custom_error_name = iteration_worker.CustomErrorName

    def iteration_error_name(error_name):
        try:
            return StatesErrorName.from_name(error_name)
        except ValueError:
            return custom_error_name(error_name=error_name)

    iteration_worker.CustomErrorName = iteration_error_name


def _apply():
    try:
        import moto
    except ImportError:  # moto missing: the server itself reports it
        return
    for patch in (_patch, _patch_tolerated_failures, _patch_dynamodb_atomic_writes, _patch_redrive, _patch_result_writer, _patch_json_path_cache, _patch_express_children, _patch_data_limit):
        try:
            patch()
        except Exception as e:  # site.py would print and go on without the patch
            sys.stderr.write(f"scattergather: moto {getattr(moto, '__version__', '?')}: {patch.__name__} no longer applies: {e!r}\n")
            sys.stderr.flush()
            os._exit(3)


_apply()
