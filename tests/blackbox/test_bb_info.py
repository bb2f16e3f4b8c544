"""INFO's sections and real figures, MEMORY STATS / DOCTOR / MALLOC-STATS / PURGE,
compared in shape with a redis-server started by the test."""

import time

import pytest
import redis

import servers
from bbutil import make_client, raw_command

SECTION_ORDER = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                 "Modules", "Commandstats", "Errorstats", "Latencystats", "Cluster", "Keyspace"]


@pytest.fixture(scope="module")
def redis_ref():
    srv = servers.start_redis()
    client = make_client(srv.port)
    yield client
    client.close()
    srv.stop()


def headers(text):
    return [line[2:] for line in text.decode().split("\r\n") if line.startswith("# ")]


def fields(text):
    return [line.split(":", 1)[0] for line in text.decode().split("\r\n") if line and not line.startswith("#")]


def test_section_selection_and_order(r):
    default = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
               "Errorstats", "Cluster", "Keyspace"]
    assert headers(raw_command(r, "INFO")) == default
    assert headers(raw_command(r, "INFO", "default")) == default
    assert headers(raw_command(r, "INFO", "all")) == SECTION_ORDER
    assert headers(raw_command(r, "INFO", "everything")) == SECTION_ORDER
    assert headers(raw_command(r, "INFO", "keyspace", "SERVER", "cpu")) == ["Server", "CPU", "Keyspace"]
    assert raw_command(r, "INFO", "nosuchsection") == b""


@pytest.mark.parametrize("section", ["memory", "persistence", "stats", "replication", "cpu", "cluster"])
def test_sections_carry_redis_fields(r, redis_ref, section):
    """Every field a monitoring tool reads from redis-server is there (Kora may add some)."""
    ours = set(fields(raw_command(r, "INFO", section)))
    theirs = fields(raw_command(redis_ref, "INFO", section))
    # fields of features Redis reports that Kora has no counterpart for yet
    absent_ok = {"instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes",
                 "total_net_repl_input_bytes", "total_net_repl_output_bytes", "instantaneous_input_kbps",
                 "instantaneous_output_kbps", "instantaneous_input_repl_kbps", "instantaneous_output_repl_kbps",
                 "expired_stale_perc", "expired_time_cap_reached_count", "expire_cycle_cpu_milliseconds",
                 "total_eviction_exceeded_time", "current_eviction_exceeded_time", "pubsub_channels",
                 "pubsub_patterns", "pubsubshard_channels", "tracking_total_keys", "tracking_total_items",
                 "tracking_total_prefixes", "total_reads_processed", "total_writes_processed",
                 "io_threaded_reads_processed", "io_threaded_writes_processed", "reply_buffer_shrinks",
                 "reply_buffer_expands", "used_cpu_sys_main_thread", "used_cpu_user_main_thread",
                 "mem_clients_normal"}
    missing = [f for f in theirs if f not in ours and f not in absent_ok]
    assert not missing, missing


def test_stats_count_for_real(r):
    r.config_resetstat()
    r.set("a", "1")
    r.get("a")
    r.get("a")
    r.get("missing")
    r.exists("missing")
    r.set("short", "v", px=20)
    time.sleep(0.3)  # the active sweep removes it
    stats = r.info("stats")
    assert stats["keyspace_hits"] == 2
    assert stats["keyspace_misses"] == 2
    assert stats["expired_keys"] == 1
    before = r.info("persistence")["rdb_changes_since_last_save"]
    r.mset({"x": 1, "y": 2, "z": 3})
    assert r.info("persistence")["rdb_changes_since_last_save"] >= before + 3
    r.config_resetstat()
    stats = r.info("stats")
    assert stats["keyspace_hits"] == 0 and stats["keyspace_misses"] == 0 and stats["expired_keys"] == 0


def test_memory_figures_follow_the_data(r):
    base = r.info("memory")
    assert base["mem_allocator"] == "libc"
    assert base["used_memory"] > 0 and base["used_memory_rss"] > 0
    assert base["used_memory_peak"] >= base["used_memory"]
    r.execute_command("DEBUG", "POPULATE", "50000", "mem", "100")
    grown = r.info("memory")
    assert grown["used_memory"] > base["used_memory"] + 50000 * 100
    assert grown["used_memory_peak"] >= grown["used_memory"]
    assert grown["used_memory_human"].endswith("M")
    stats = r.memory_stats()
    assert stats["keys.count"] == 50000
    assert stats["total.allocated"] >= 50000 * 100
    assert stats["db.0"]["overhead.hashtable.main"] > 0
    r.flushall()
    assert r.info("memory")["used_memory"] < grown["used_memory"]
    assert r.execute_command("MEMORY", "PURGE") in (b"OK", "OK", True)


def test_memory_stats_shape_matches_redis(r, redis_ref):
    r.set("k", "v")
    redis_ref.set("k", "v")
    ours = raw_command(r, "MEMORY", "STATS")
    theirs = raw_command(redis_ref, "MEMORY", "STATS")
    assert ours[0::2] == theirs[0::2]  # the same field names, in the same order


def test_memory_doctor_and_malloc_stats(r):
    doctor = raw_command(r, "MEMORY", "DOCTOR")
    assert doctor.startswith(b"Hi Sam") or doctor.startswith(b"Sam, I detected")
    assert b"malloc" in raw_command(r, "MEMORY", "MALLOC-STATS")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'memory|stats' command"):
        r.execute_command("MEMORY", "STATS", "extra")
