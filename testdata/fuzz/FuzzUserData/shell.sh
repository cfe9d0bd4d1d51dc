#!/bin/bash
ip link set dev ens5 mtu 8500
echo 9001 > /sys/class/net/eth0/mtu
