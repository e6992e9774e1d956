#!/bin/sh
# Creates every topic of branchops/contracts/topics.py with its registry partitions and retention, and
# its dead-letter twin (1 partition); run by the Job kafka-topics. Existing topics are left alone (raise
# partitions with kafka-topics.sh --alter, never lower them). tests/unit/platform/test_k8s.py checks
# these lines against the registry. Arguments of create: name, partitions, retention.ms and, for a
# compacted topic (the broker keeps the latest record per key), "compact" (cleanup.policy; default delete).
# Environment: KAFKA_BOOTSTRAP, REPLICATION_FACTOR, MIN_INSYNC_REPLICAS (ConfigMap branchops-kafka-topics).
set -eu
bin=/opt/kafka/bin
: "${KAFKA_BOOTSTRAP:?}" "${REPLICATION_FACTOR:?}" "${MIN_INSYNC_REPLICAS:?}"

# Wait until enough brokers are registered for the replication factor (a fresh cluster starts one by one).
tries=0
while :; do
    brokers=$($bin/kafka-broker-api-versions.sh --bootstrap-server "$KAFKA_BOOTSTRAP" 2>/dev/null | grep -c '(id: ' || true)
    [ "${brokers:-0}" -ge "$REPLICATION_FACTOR" ] && break
    tries=$((tries + 1))
    [ "$tries" -lt 60 ] || { echo "only ${brokers:-0} brokers, need $REPLICATION_FACTOR" >&2; exit 1; }
    sleep 5
done

create() {
    $bin/kafka-topics.sh --bootstrap-server "$KAFKA_BOOTSTRAP" --create --if-not-exists \
        --topic "$1" --partitions "$2" --replication-factor "$REPLICATION_FACTOR" \
        --config retention.ms="$3" --config min.insync.replicas="$MIN_INSYNC_REPLICAS" \
        --config cleanup.policy="${4:-delete}"
}
create branchops.footfall.v1 6 604800000
create branchops.footfall.v1.dlq 1 604800000
create branchops.occupancy.v1 6 604800000
create branchops.occupancy.v1.dlq 1 604800000
create branchops.camera.status.v1 6 604800000
create branchops.camera.status.v1.dlq 1 604800000
create branchops.tickets.v1 6 604800000
create branchops.tickets.v1.dlq 1 604800000
create branchops.windows.v1 6 604800000
create branchops.windows.v1.dlq 1 604800000
create branchops.queue.forecast.v1 6 604800000
create branchops.queue.forecast.v1.dlq 1 604800000
create branchops.staffing.plan.v1 6 604800000
create branchops.staffing.plan.v1.dlq 1 604800000
create branchops.staffing.alerts.v1 6 604800000
create branchops.staffing.alerts.v1.dlq 1 604800000
create branchops.kyc.results.v1 6 7776000000
create branchops.kyc.results.v1.dlq 1 7776000000
create branchops.feedback.v1 6 604800000
create branchops.feedback.v1.dlq 1 604800000
create branchops.voice.interactions.v1 6 604800000
create branchops.voice.interactions.v1.dlq 1 604800000
create branchops.branch-config.v1 6 -1 compact
create branchops.branch-config.v1.dlq 1 604800000
$bin/kafka-topics.sh --bootstrap-server "$KAFKA_BOOTSTRAP" --list
