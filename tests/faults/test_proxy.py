"""The fault proxy itself, against a loopback echo server: each knob does what it says."""

import contextlib
import socket
import threading
import time

import pytest

from tests.faults.proxy import FaultProxy

pytestmark = pytest.mark.faults

PAYLOAD = b"hello through the proxy\n"


def _connect(proxy: FaultProxy, timeout: float = 2.0) -> socket.socket:
    sock = socket.create_connection(proxy.address, timeout=timeout)
    # The proxy may already have reset the connection (drop_new, target down): not our error.
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def test_transparent_proxy_forwards_both_ways_and_counts_bytes(echo_server, fault_proxy):
    proxy = fault_proxy(echo_server.port)
    with _connect(proxy) as sock:
        sock.sendall(PAYLOAD)
        assert _recv_exactly(sock, len(PAYLOAD)) == PAYLOAD
    stats = proxy.stats()
    assert stats.accepted == 1
    assert stats.bytes_up == len(PAYLOAD) and stats.bytes_down == len(PAYLOAD)


def test_latency_makes_an_impatient_client_time_out_and_heal_restores_it(echo_server, fault_proxy):
    proxy = fault_proxy(echo_server.port)
    proxy.latency = 1.0
    with _connect(proxy, timeout=0.2) as sock:
        sock.sendall(PAYLOAD)
        with pytest.raises(TimeoutError):
            sock.recv(100)
        proxy.heal()
        sock.settimeout(3)
        assert _recv_exactly(sock, len(PAYLOAD)) == PAYLOAD


def test_drop_new_accepts_then_closes_without_reaching_the_target(echo_server, fault_proxy):
    proxy = fault_proxy(echo_server.port)
    proxy.drop_new = True
    with _connect(proxy) as sock:
        try:
            sock.sendall(PAYLOAD)
            assert sock.recv(100) == b""
        except ConnectionError:
            pass  # a reset is as good as a close for the client
    assert proxy.stats().dropped == 1
    assert echo_server.connections == 0


def test_reset_all_sends_rst_to_open_connections(echo_server, fault_proxy):
    proxy = fault_proxy(echo_server.port)
    with _connect(proxy) as sock:
        sock.sendall(PAYLOAD)
        assert _recv_exactly(sock, len(PAYLOAD)) == PAYLOAD
        assert proxy.reset_all() == 1
        with pytest.raises(ConnectionResetError):
            sock.sendall(PAYLOAD)
            sock.recv(100)
    assert proxy.stats().reset == 1
    # New connections still work: a reset is a blip, not an outage.
    with _connect(proxy) as sock:
        sock.sendall(PAYLOAD)
        assert _recv_exactly(sock, len(PAYLOAD)) == PAYLOAD


def test_blackhole_reads_but_never_answers_nor_reaches_the_target(echo_server, fault_proxy):
    proxy = fault_proxy(echo_server.port)
    proxy.blackhole = True
    with _connect(proxy, timeout=0.3) as sock:
        sock.sendall(PAYLOAD)
        with pytest.raises(TimeoutError):
            sock.recv(100)
    assert proxy.stats().blackholed == 1
    assert echo_server.received == 0


def test_pause_holds_bytes_and_resume_delivers_them(echo_server, fault_proxy):
    proxy = fault_proxy(echo_server.port)
    with _connect(proxy, timeout=0.3) as sock:
        proxy.pause()
        sock.sendall(PAYLOAD)
        with pytest.raises(TimeoutError):
            sock.recv(100)
        assert echo_server.received == 0
        proxy.resume()
        sock.settimeout(3)
        assert _recv_exactly(sock, len(PAYLOAD)) == PAYLOAD


def test_bandwidth_cap_delivers_a_large_payload_only_partly_at_first(echo_server, fault_proxy):
    proxy = fault_proxy(echo_server.port)
    proxy.bandwidth = 20_000  # bytes per second
    payload = bytes(range(256)) * 400  # 100 kB: five seconds at this rate
    with _connect(proxy, timeout=0.2) as sock:
        sock.sendall(payload)
        received = b""
        give_up = time.monotonic() + 1.0  # a read window, not a timing assertion
        while time.monotonic() < give_up:
            with contextlib.suppress(TimeoutError):
                received += sock.recv(65536)
        assert 0 < len(received) < len(payload)
        proxy.heal()
        sock.settimeout(5)
        received += _recv_exactly(sock, len(payload) - len(received))
    assert received == payload


def test_outage_refuses_new_and_resets_open_connections_then_heals(echo_server, fault_proxy):
    proxy = fault_proxy(echo_server.port)
    held = _connect(proxy)
    held.sendall(PAYLOAD)
    assert _recv_exactly(held, len(PAYLOAD)) == PAYLOAD
    with proxy.outage():
        with pytest.raises(ConnectionResetError):
            held.sendall(PAYLOAD)
            held.recv(100)
        with _connect(proxy) as sock:
            assert sock.recv(100) == b""
    held.close()
    with _connect(proxy) as sock:
        sock.sendall(PAYLOAD)
        assert _recv_exactly(sock, len(PAYLOAD)) == PAYLOAD


def test_target_down_resets_the_client():
    free = socket.create_server(("127.0.0.1", 0))
    dead_port = free.getsockname()[1]
    free.close()
    with FaultProxy("127.0.0.1", dead_port) as proxy:
        try:
            with _connect(proxy) as sock:
                sock.sendall(PAYLOAD)
                assert sock.recv(100) == b""
        except ConnectionError:
            pass  # reset before or after sending: either way the client learns at once
    assert proxy.stats().upstream_failures == 1


def test_stop_closes_listener_and_joins_every_thread(echo_server):
    proxy = FaultProxy("127.0.0.1", echo_server.port).start()
    port = proxy.port
    open_socks = [_connect(proxy) for _ in range(5)]
    for sock in open_socks:
        sock.sendall(PAYLOAD)
        _recv_exactly(sock, len(PAYLOAD))
    proxy.stop()
    for sock in open_socks:
        sock.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("fault-proxy")]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def test_proxy_refuses_non_loopback_targets():
    with pytest.raises(ValueError, match="loopback"):
        FaultProxy("10.0.0.1", 5432)
