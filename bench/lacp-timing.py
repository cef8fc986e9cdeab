#!/usr/bin/python3
"""bench/run lacp-timing's tools: what the partner sees of the host's LACPDUs, and the load put on the daemon meanwhile.

  capture IFACE SECONDS       one line per LACPDU the host sends into IFACE (a switch port): monotonic time, actor state,
                              partner state (also LacpRestartTests' capture)
  gaps FILE                   of a capture: LACPDUs, median, 99th and 99.9th percentile and longest gap, in seconds
  status SOCKET RATE SECONDS  `status --json` requests on the daemon's control socket, RATE a second; prints those answered
  scrape URL PERIOD SECONDS   a metrics scrape every PERIOD seconds; prints those answered
  flood IFACE RATE SECONDS    slow-protocol frames that are no LACPDU (subtype 10, OSSP) into IFACE; prints frames/s reached
"""
import json, socket, struct, sys, threading, time, urllib.request


def capture(iface, seconds):
    # Every protocol: a tap that sees the frame before tc ingress on the port could redirect it.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((iface, 0))
    s.settimeout(0.2)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            continue
        if addr[2] != socket.PACKET_OUTGOING and len(data) >= 53 and data[12:14] == b'\x88\x09' and data[14] == 1:
            print(f'{time.monotonic():.6f} {data[32]} {data[52]}', flush=True)


def gaps(path):
    times = [float(line.split()[0]) for line in open(path) if line.strip()]
    g = sorted(b - a for a, b in zip(times, times[1:]))
    if not g:
        print(f'{len(times)} - - - -')
        return
    pick = lambda q: g[min(len(g) - 1, int(q * len(g)))]
    print(f'{len(times)} {pick(0.5):.3f} {pick(0.99):.3f} {pick(0.999):.3f} {g[-1]:.3f}')


def paced(rate, seconds, act):
    done, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        act()
        done += 1
        time.sleep(max(0, start + done / rate - time.monotonic()))
    return done


def status(path, rate, seconds):
    # Four clients at a quarter of the rate each: one alone waits out every answer before it asks again.
    request = json.dumps(['status', '--json']).encode()
    answered = 0

    def ask():
        nonlocal answered
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(path)
            s.sendall(struct.pack('>i', len(request)) + request)
            header = s.recv(4, socket.MSG_WAITALL)
            n = struct.unpack('>i', header)[0]
            body = b''
            while len(body) < n:
                chunk = s.recv(n - len(body))
                if not chunk:
                    return
                body += chunk
            answered += 1
    clients = [threading.Thread(target=paced, args=(rate / 4, seconds, ask)) for _ in range(4)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    print(answered)


def scrape(url, period, seconds):
    answered = 0

    def one():
        nonlocal answered
        try:
            urllib.request.urlopen(url, timeout=5).read()
            answered += 1
        except OSError:
            pass
    paced(1 / period, seconds, one)
    print(answered)


def flood(iface, rate, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    frame = bytes.fromhex('0180c2000002' '020000000077' '8809') + bytes([10, 1]) + bytes(58)
    sent, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        for _ in range(100):
            s.send(frame)
        sent += 100
        time.sleep(max(0, start + sent / rate - time.monotonic()))
    print(int(sent / (time.monotonic() - start)))


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'capture':
        capture(args[0], float(args[1]))
    elif cmd == 'gaps':
        gaps(args[0])
    elif cmd == 'status':
        status(args[0], float(args[1]), float(args[2]))
    elif cmd == 'scrape':
        scrape(args[0], float(args[1]), float(args[2]))
    elif cmd == 'flood':
        flood(args[0], float(args[1]), float(args[2]))
    else:
        sys.exit(__doc__)
