"""Helpers shared by the black-box tests (importable: pytest puts this directory on sys.path)."""

import redis

import servers


def make_client(port, **kw):
    kw.setdefault("socket_timeout", 10)
    kw.setdefault("socket_connect_timeout", 5)
    return redis.Redis(host=servers.HOST, port=port, **kw)


def raw_command(client, *args):
    """Send one command on a pooled connection and return the reply without redis-py's
    per-command response callbacks (e.g. SET ... GET returns the old value, not a bool).
    Error replies are raised as redis.ResponseError."""
    if client.connection is not None:  # single_connection_client
        client.connection.send_command(*args)
        return client.connection.read_response()
    pool = client.connection_pool
    conn = pool.get_connection(args[0])
    try:
        conn.send_command(*args)
        reply = conn.read_response()
    except redis.ResponseError:
        pool.release(conn)
        raise
    except BaseException:
        conn.disconnect()
        pool.release(conn)
        raise
    pool.release(conn)
    return reply
