#!/usr/bin/python3
"""Independent GB 11643 checker for medbridge's tests: Debian's python3-stdnum (stdnum.cn.ric).

  stdnum-ric.py regions N   print N six-digit region codes stdnum knows (county level)
  stdnum-ric.py check       read numbers from stdin, print 1 (valid) or 0 per line
"""
import os
import sys

import stdnum
from stdnum.cn import ric


def regions(count):
    # The codes stdnum's own region database lists (first column of cn/loc.dat).
    with open(os.path.join(os.path.dirname(stdnum.__file__), 'cn', 'loc.dat'), encoding='utf-8') as data:
        known = [line.split()[0] for line in data if line[:1].isdigit()]
    step = max(1, len(known) // count)
    print('\n'.join(known[::step][:count]))


def check():
    for line in sys.stdin:
        print('1' if ric.is_valid(line.strip()) else '0')


if __name__ == '__main__':
    if sys.argv[1] == 'regions':
        regions(int(sys.argv[2]))
    else:
        check()
