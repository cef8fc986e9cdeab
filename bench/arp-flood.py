# An ARP and IPv6 neighbour-discovery flood from one port, for bench/run arpmon: requests for the bond's address
# and replies from ever-new MACs and addresses, neighbour solicitations and advertisements for addresses nobody
# monitors. 1024 frames made in advance, sent in turn at up to RATE per second for SECONDS; prints the rate reached.
# Usage: python3 arp-flood.py IFACE BOND_IPV4 RATE SECONDS
import random, socket, struct, sys, time

iface, bond_ip, rate, seconds = sys.argv[1], socket.inet_aton(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))

def arp(op, smac, sip, tip):
    return b'\xff' * 6 + smac + b'\x08\x06' + struct.pack('!HHBBH', 1, 0x0800, 6, 4, op) + smac + sip + bytes(6) + tip

def nd(icmp_type, smac, target):
    # To the target's solicited-node group; the checksum is left 0 (nothing answers a flood).
    dst = b'\xff\x02' + bytes(10) + b'\x00\x00\x00\x01\xff' + target[13:]
    icmp = struct.pack('!BBHI', icmp_type, 0, 0, 0) + target + struct.pack('!BB', 1, 1) + smac
    ip6 = struct.pack('!IHBB', 0x60000000, len(icmp), 58, 255) + b'\xfe\x80' + bytes(8) + smac[:6] + dst
    return b'\x33\x33' + dst[12:] + smac + b'\x86\xdd' + ip6 + icmp

frames = []
for i in range(1024):
    mac = bytes([2]) + random.randbytes(5)
    ip = bytes([198, 18, random.randrange(256), random.randrange(1, 255)])
    target = b'\x20\x01\x0d\xb8' + random.randbytes(12)
    frames.append([arp(1, mac, ip, bond_ip), arp(2, mac, ip, ip), nd(135, mac, target), nd(136, mac, target)][i % 4])
sent, start = 0, time.monotonic()
while time.monotonic() - start < seconds:
    for f in frames:
        s.send(f)
    sent += len(frames)
    ahead = start + sent / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
print(int(sent / (time.monotonic() - start)))
