#!/usr/bin/env python3
# tcp_workload.py - a TCP session on 127.0.0.1 that lasts at least 250 ms (the client sends
# 100 KiB, the server reads them all), then a connection to a closed local port (refused):
# the workload of the TCP tool tests.
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.sendall(b"x" * 102400)
got = 0
while got < 102400:
    got += len(a.recv(65536))
time.sleep(0.25)
c.close(); a.close(); s.close()
d = socket.socket(); d.bind(("127.0.0.1", 0)); port = d.getsockname()[1]; d.close()
try:
    socket.create_connection(("127.0.0.1", port))
except OSError:
    pass
