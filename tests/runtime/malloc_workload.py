#!/usr/bin/env python3
# malloc_workload.py DIR - writes its PID to DIR/pid, waits for DIR/go to appear, then allocates
# five buffers of about 1 MB (each one malloc(3) call), and lingers half a second: the workload
# of the mallocstacks tool test.
import os
import sys
import time

d = sys.argv[1]
with open(os.path.join(d, "pid.tmp"), "w") as f:
    f.write(str(os.getpid()))
os.rename(os.path.join(d, "pid.tmp"), os.path.join(d, "pid"))
while not os.path.exists(os.path.join(d, "go")):
    time.sleep(0.05)
x = [bytearray(1000000 + i) for i in range(5)]
time.sleep(0.5)
