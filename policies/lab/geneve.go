package lab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"syscall"
	"unsafe"
)

// GenevePort is the IANA Geneve port, the kernel driver's default too.
const GenevePort = 6081

// runGeneve is the lab's own Geneve endpoint, for kernels built without CONFIG_GENEVE
// (such as this project's CI VM). A TAP device carries the inner Ethernet frames; a UDP
// socket with DF set carries them to the peer behind the RFC 8926 base header (8 bytes,
// no options), so the packet on the underlay has the kernel driver's layout: outer IP,
// UDP, Geneve, inner Ethernet. The kernel still does the outer IP/UDP and the DF/PMTU
// handling; only the 8-byte header is ours. The TAP device vanishes with the process.
func runGeneve(dev, remote string) error {
	fd, err := syscall.Open("/dev/net/tun", syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	var ifr [40]byte // struct ifreq: name[16], flags
	copy(ifr[:syscall.IFNAMSIZ-1], dev)
	binary.NativeEndian.PutUint16(ifr[syscall.IFNAMSIZ:], syscall.IFF_TAP|syscall.IFF_NO_PI)
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TUNSETIFF, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
		return fmt.Errorf("TUNSETIFF %s: %v", dev, e)
	}
	peer := &net.UDPAddr{IP: net.ParseIP(remote), Port: GenevePort}
	if peer.IP == nil {
		return fmt.Errorf("bad remote %q", remote)
	}
	v4 := peer.IP.To4() != nil
	network := "udp6"
	if v4 {
		network = "udp4"
	}
	conn, err := net.ListenUDP(network, &net.UDPAddr{Port: GenevePort})
	if err != nil {
		return err
	}
	raw, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	// DF on every packet and no local fragmentation, like `df set` on a kernel tunnel.
	raw.Control(func(s uintptr) {
		if v4 {
			serr = syscall.SetsockoptInt(int(s), syscall.IPPROTO_IP, syscall.IP_MTU_DISCOVER, syscall.IP_PMTUDISC_DO)
		} else {
			serr = syscall.SetsockoptInt(int(s), syscall.IPPROTO_IPV6, syscall.IPV6_MTU_DISCOVER, syscall.IPV6_PMTUDISC_DO)
		}
	})
	if serr != nil {
		return serr
	}
	fmt.Println("ready")

	go func() { // underlay -> TAP
		buf := make([]byte, 1<<16)
		for {
			n, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				continue
			}
			// Version 0, Transparent Ethernet Bridging; skip any options.
			if n < 8 || buf[0]>>6 != 0 || binary.BigEndian.Uint16(buf[2:]) != 0x6558 {
				continue
			}
			if h := 8 + int(buf[0]&0x3f)*4; n > h {
				syscall.Write(fd, buf[h:n])
			}
		}
	}()
	// TAP -> underlay
	buf := make([]byte, 1<<16)
	binary.BigEndian.PutUint16(buf[2:], 0x6558)
	buf[4], buf[5], buf[6] = 0, 0, 42 // VNI 42, as the kernel tunnels use
	for {
		n, err := syscall.Read(fd, buf[8:])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		// EMSGSIZE (larger than a learned path MTU) drops the frame, as a DF tunnel does.
		conn.WriteToUDP(buf[:8+n], peer)
	}
}
