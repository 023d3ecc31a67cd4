/* SPDX-License-Identifier: MIT */
/*
 * Kernel uevents as Debian's 6.1 kernel sent them in the test VM, caught
 * by tests/vm/ueventcap while vusb-attach attached a mouse (1-1, indices
 * 0-18: usbhid, hid-generic and evdev loaded by mdev on the way), then a
 * keyboard (1-2, 19-36: every module loaded already), then a storage
 * device (1-3, 37-70: usb-storage and sd_mod loaded on the way), and
 * detached the storage device (71-85), the mouse (86-95) and the keyboard
 * (96-113). Shared by the uevent parser's and the settle tests.
 */
#ifndef VUSB_TESTS_UEVENT_CAPTURE_H
#define VUSB_TESTS_UEVENT_CAPTURE_H

#include <stddef.h>

struct uevent_capture {
	size_t len;
	const char *msg;
};

static const struct uevent_capture uevent_capture[] = {
	/* 0 */ { 237,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1\0ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=1\0DEVNAME=bus/usb/001/002\0DEVTYPE=usb_device\0PRODUCT=1209/1/100\0"
	  "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=002\0SEQNUM=684\0" },
	/* 1 */ { 267,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0PRODUCT=1209/1/100\0TYPE=0/0/0\0INTERFACE=3/1/2\0"
	  "MODALIAS=usb:v1209p0001d0100dc00dsc00dp00ic03isc01ip02in00\0SEQNUM=685\0" },
	/* 2 */ { 250,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-1\0ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=1\0DEVNAME=bus/usb/001/002\0DEVTYPE=usb_device\0DRIVER=usb\0"
	  "PRODUCT=1209/1/100\0TYPE=0/0/0\0BUSNUM=001\0DEVNUM=002\0SEQNUM=686\0" },
	/* 3 */ { 66,
	  "add@/bus/hid\0ACTION=add\0DEVPATH=/bus/hid\0SUBSYSTEM=bus\0SEQNUM=687\0" },
	/* 4 */ { 78,
	  "add@/class/hidraw\0ACTION=add\0DEVPATH=/class/hidraw\0SUBSYSTEM=class\0"
	  "SEQNUM=688\0" },
	/* 5 */ { 75,
	  "add@/module/hid\0ACTION=add\0DEVPATH=/module/hid\0SUBSYSTEM=module\0SEQNUM=689\0" },
	/* 6 */ { 334,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001\0"
	  "SUBSYSTEM=hid\0HID_ID=0003:00001209:00000001\0HID_NAME=vusb Virtual Mouse\0"
	  "HID_PHYS=usb-vhci_hcd.0-1/input0\0HID_UNIQ=vusb-mouse0\0"
	  "MODALIAS=hid:b0003g0001v00001209p00000001\0SEQNUM=690\0" },
	/* 7 */ { 283,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0DRIVER=usbhid\0PRODUCT=1209/1/100\0TYPE=0/0/0\0"
	  "INTERFACE=3/1/2\0MODALIAS=usb:v1209p0001d0100dc00dsc00dp00ic03isc01ip02in00\0"
	  "SEQNUM=691\0" },
	/* 8 */ { 100,
	  "add@/bus/usb/drivers/usbhid\0ACTION=add\0DEVPATH=/bus/usb/drivers/usbhid\0"
	  "SUBSYSTEM=drivers\0SEQNUM=692\0" },
	/* 9 */ { 81,
	  "add@/module/usbhid\0ACTION=add\0DEVPATH=/module/usbhid\0SUBSYSTEM=module\0"
	  "SEQNUM=693\0" },
	/* 10 */ { 441,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2\0"
	  "SUBSYSTEM=input\0PRODUCT=3/1209/1/111\0NAME=\"vusb Virtual Mouse\"\0"
	  "PHYS=\"usb-vhci_hcd.0-1/input0\"\0UNIQ=\"vusb-mouse0\"\0PROP=0\0EV=17\0"
	  "KEY=1f0000 0 0 0 0\0REL=1943\0MSC=10\0"
	  "MODALIAS=input:b0003v1209p0001e0111-e0,1,2,4,k110,111,112,113,114,r0,1,6,8,B,C,am4,lsfw\0"
	  "SEQNUM=694\0" },
	/* 11 */ { 261,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2/mouse0\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2/mouse0\0"
	  "SUBSYSTEM=input\0MAJOR=13\0MINOR=32\0DEVNAME=input/mouse0\0SEQNUM=695\0" },
	/* 12 */ { 247,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/hidraw/hidraw0\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/hidraw/hidraw0\0"
	  "SUBSYSTEM=hidraw\0MAJOR=246\0MINOR=0\0DEVNAME=hidraw0\0SEQNUM=696\0" },
	/* 13 */ { 355,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001\0"
	  "ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001\0"
	  "SUBSYSTEM=hid\0DRIVER=hid-generic\0HID_ID=0003:00001209:00000001\0"
	  "HID_NAME=vusb Virtual Mouse\0HID_PHYS=usb-vhci_hcd.0-1/input0\0"
	  "HID_UNIQ=vusb-mouse0\0MODALIAS=hid:b0003g0001v00001209p00000001\0SEQNUM=697\0" },
	/* 14 */ { 110,
	  "add@/bus/hid/drivers/hid-generic\0ACTION=add\0"
	  "DEVPATH=/bus/hid/drivers/hid-generic\0SUBSYSTEM=drivers\0SEQNUM=698\0" },
	/* 15 */ { 91,
	  "add@/module/hid_generic\0ACTION=add\0DEVPATH=/module/hid_generic\0"
	  "SUBSYSTEM=module\0SEQNUM=699\0" },
	/* 16 */ { 191,
	  "add@/devices/platform/i8042/serio0/input/input0/event0\0ACTION=add\0"
	  "DEVPATH=/devices/platform/i8042/serio0/input/input0/event0\0SUBSYSTEM=input\0"
	  "MAJOR=13\0MINOR=64\0DEVNAME=input/event0\0SEQNUM=700\0" },
	/* 17 */ { 261,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2/event1\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2/event1\0"
	  "SUBSYSTEM=input\0MAJOR=13\0MINOR=65\0DEVNAME=input/event1\0SEQNUM=701\0" },
	/* 18 */ { 79,
	  "add@/module/evdev\0ACTION=add\0DEVPATH=/module/evdev\0SUBSYSTEM=module\0"
	  "SEQNUM=702\0" },
	/* 19 */ { 237,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2\0ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=2\0DEVNAME=bus/usb/001/003\0DEVTYPE=usb_device\0PRODUCT=1209/2/100\0"
	  "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=003\0SEQNUM=703\0" },
	/* 20 */ { 267,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0\0ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0PRODUCT=1209/2/100\0TYPE=0/0/0\0INTERFACE=3/1/1\0"
	  "MODALIAS=usb:v1209p0002d0100dc00dsc00dp00ic03isc01ip01in00\0SEQNUM=704\0" },
	/* 21 */ { 340,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002\0"
	  "SUBSYSTEM=hid\0HID_ID=0003:00001209:00000002\0HID_NAME=vusb Virtual Keyboard\0"
	  "HID_PHYS=usb-vhci_hcd.0-2/input0\0HID_UNIQ=vusb-keyboard0\0"
	  "MODALIAS=hid:b0003g0001v00001209p00000002\0SEQNUM=705\0" },
	/* 22 */ { 643,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3\0"
	  "SUBSYSTEM=input\0PRODUCT=3/1209/2/111\0NAME=\"vusb Virtual Keyboard\"\0"
	  "PHYS=\"usb-vhci_hcd.0-2/input0\"\0UNIQ=\"vusb-keyboard0\"\0PROP=0\0EV=120013\0"
	  "KEY=1000000000007 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe\0MSC=10\0"
	  "LED=1f\0"
	  "MODALIAS=input:b0003v1209p0002e0111-e0,1,4,11,14,k71,72,73,74,75,77,79,7A,7B,7C,7D,7E,7F,80,81,82,83,84,85,86,87,88,89,8A,8C,8E,96,98,9E,9F,A1,A3,A4,A5,A6,AD,B0,B1,B2,B3,B4,B7,B8,B9,BA,BB,BC,BD,BE,BF,C0,C1,C2,F0,ram4,l0,1,2,3,4,sfw\0"
	  "SEQNUM=706\0" },
	/* 23 */ { 239,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::numlock\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::numlock\0"
	  "SUBSYSTEM=leds\0SEQNUM=707\0" },
	/* 24 */ { 265,
	  "change@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::numlock\0"
	  "ACTION=change\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::numlock\0"
	  "SUBSYSTEM=leds\0TRIGGER=kbd-numlock\0SEQNUM=708\0" },
	/* 25 */ { 241,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::capslock\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::capslock\0"
	  "SUBSYSTEM=leds\0SEQNUM=709\0" },
	/* 26 */ { 268,
	  "change@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::capslock\0"
	  "ACTION=change\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::capslock\0"
	  "SUBSYSTEM=leds\0TRIGGER=kbd-capslock\0SEQNUM=710\0" },
	/* 27 */ { 245,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::scrolllock\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::scrolllock\0"
	  "SUBSYSTEM=leds\0SEQNUM=711\0" },
	/* 28 */ { 274,
	  "change@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::scrolllock\0"
	  "ACTION=change\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::scrolllock\0"
	  "SUBSYSTEM=leds\0TRIGGER=kbd-scrolllock\0SEQNUM=712\0" },
	/* 29 */ { 239,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::compose\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::compose\0"
	  "SUBSYSTEM=leds\0SEQNUM=713\0" },
	/* 30 */ { 233,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::kana\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::kana\0"
	  "SUBSYSTEM=leds\0SEQNUM=714\0" },
	/* 31 */ { 260,
	  "change@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::kana\0"
	  "ACTION=change\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::kana\0"
	  "SUBSYSTEM=leds\0TRIGGER=kbd-kanalock\0SEQNUM=715\0" },
	/* 32 */ { 261,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/event2\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/event2\0"
	  "SUBSYSTEM=input\0MAJOR=13\0MINOR=66\0DEVNAME=input/event2\0SEQNUM=716\0" },
	/* 33 */ { 247,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/hidraw/hidraw1\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/hidraw/hidraw1\0"
	  "SUBSYSTEM=hidraw\0MAJOR=246\0MINOR=1\0DEVNAME=hidraw1\0SEQNUM=717\0" },
	/* 34 */ { 361,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002\0"
	  "ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002\0"
	  "SUBSYSTEM=hid\0DRIVER=hid-generic\0HID_ID=0003:00001209:00000002\0"
	  "HID_NAME=vusb Virtual Keyboard\0HID_PHYS=usb-vhci_hcd.0-2/input0\0"
	  "HID_UNIQ=vusb-keyboard0\0MODALIAS=hid:b0003g0001v00001209p00000002\0SEQNUM=718\0" },
	/* 35 */ { 283,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0\0ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0DRIVER=usbhid\0PRODUCT=1209/2/100\0TYPE=0/0/0\0"
	  "INTERFACE=3/1/1\0MODALIAS=usb:v1209p0002d0100dc00dsc00dp00ic03isc01ip01in00\0"
	  "SEQNUM=719\0" },
	/* 36 */ { 250,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-2\0ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=2\0DEVNAME=bus/usb/001/003\0DEVTYPE=usb_device\0DRIVER=usb\0"
	  "PRODUCT=1209/2/100\0TYPE=0/0/0\0BUSNUM=001\0DEVNUM=003\0SEQNUM=720\0" },
	/* 37 */ { 237,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-3\0ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=3\0DEVNAME=bus/usb/001/004\0DEVTYPE=usb_device\0PRODUCT=1209/4/100\0"
	  "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=004\0SEQNUM=721\0" },
	/* 38 */ { 268,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0\0ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0PRODUCT=1209/4/100\0TYPE=0/0/0\0INTERFACE=8/6/80\0"
	  "MODALIAS=usb:v1209p0004d0100dc00dsc00dp00ic08isc06ip50in00\0SEQNUM=722\0" },
	/* 39 */ { 250,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-3\0ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=3\0DEVNAME=bus/usb/001/004\0DEVTYPE=usb_device\0DRIVER=usb\0"
	  "PRODUCT=1209/4/100\0TYPE=0/0/0\0BUSNUM=001\0DEVNUM=004\0SEQNUM=723\0" },
	/* 40 */ { 91,
	  "add@/module/scsi_common\0ACTION=add\0DEVPATH=/module/scsi_common\0"
	  "SUBSYSTEM=module\0SEQNUM=724\0" },
	/* 41 */ { 84,
	  "add@/class/scsi_host\0ACTION=add\0DEVPATH=/class/scsi_host\0SUBSYSTEM=class\0"
	  "SEQNUM=725\0" },
	/* 42 */ { 68,
	  "add@/bus/scsi\0ACTION=add\0DEVPATH=/bus/scsi\0SUBSYSTEM=bus\0SEQNUM=726\0" },
	/* 43 */ { 88,
	  "add@/class/scsi_device\0ACTION=add\0DEVPATH=/class/scsi_device\0"
	  "SUBSYSTEM=class\0SEQNUM=727\0" },
	/* 44 */ { 85,
	  "add@/module/scsi_mod\0ACTION=add\0DEVPATH=/module/scsi_mod\0SUBSYSTEM=module\0"
	  "SEQNUM=728\0" },
	/* 45 */ { 130,
	  "add@/devices/virtual/workqueue/scsi_tmf_0\0ACTION=add\0"
	  "DEVPATH=/devices/virtual/workqueue/scsi_tmf_0\0SUBSYSTEM=workqueue\0SEQNUM=729\0" },
	/* 46 */ { 171,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0\0ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0\0SUBSYSTEM=scsi\0"
	  "DEVTYPE=scsi_host\0SEQNUM=730\0" },
	/* 47 */ { 190,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/scsi_host/host0\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/scsi_host/host0\0"
	  "SUBSYSTEM=scsi_host\0SEQNUM=731\0" },
	/* 48 */ { 289,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0\0ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0DRIVER=usb-storage\0PRODUCT=1209/4/100\0TYPE=0/0/0\0"
	  "INTERFACE=8/6/80\0MODALIAS=usb:v1209p0004d0100dc00dsc00dp00ic08isc06ip50in00\0"
	  "SEQNUM=732\0" },
	/* 49 */ { 110,
	  "add@/bus/usb/drivers/usb-storage\0ACTION=add\0"
	  "DEVPATH=/bus/usb/drivers/usb-storage\0SUBSYSTEM=drivers\0SEQNUM=733\0" },
	/* 50 */ { 91,
	  "add@/module/usb_storage\0ACTION=add\0DEVPATH=/module/usb_storage\0"
	  "SUBSYSTEM=module\0SEQNUM=734\0" },
	/* 51 */ { 94,
	  "add@/bus/usb/drivers/uas\0ACTION=add\0DEVPATH=/bus/usb/drivers/uas\0"
	  "SUBSYSTEM=drivers\0SEQNUM=735\0" },
	/* 52 */ { 75,
	  "add@/module/uas\0ACTION=add\0DEVPATH=/module/uas\0SUBSYSTEM=module\0SEQNUM=736\0" },
	/* 53 */ { 197,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0\0"
	  "SUBSYSTEM=scsi\0DEVTYPE=scsi_target\0SEQNUM=737\0" },
	/* 54 */ { 234,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0\0"
	  "SUBSYSTEM=scsi\0DEVTYPE=scsi_device\0MODALIAS=scsi:t-0x00\0SEQNUM=738\0" },
	/* 55 */ { 240,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/scsi_device/0:0:0:0\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/scsi_device/0:0:0:0\0"
	  "SUBSYSTEM=scsi_device\0SEQNUM=739\0" },
	/* 56 */ { 254,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/bsg/0:0:0:0\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/bsg/0:0:0:0\0"
	  "SUBSYSTEM=bsg\0MAJOR=248\0MINOR=0\0DEVNAME=bsg/0:0:0:0\0SEQNUM=740\0" },
	/* 57 */ { 101,
	  "add@/module/crct10dif_common\0ACTION=add\0DEVPATH=/module/crct10dif_common\0"
	  "SUBSYSTEM=module\0SEQNUM=741\0" },
	/* 58 */ { 101,
	  "add@/module/crct10dif_pclmul\0ACTION=add\0DEVPATH=/module/crct10dif_pclmul\0"
	  "SUBSYSTEM=module\0SEQNUM=742\0" },
	/* 59 */ { 103,
	  "add@/module/crct10dif_generic\0ACTION=add\0DEVPATH=/module/crct10dif_generic\0"
	  "SUBSYSTEM=module\0SEQNUM=743\0" },
	/* 60 */ { 89,
	  "add@/module/crc_t10dif\0ACTION=add\0DEVPATH=/module/crc_t10dif\0"
	  "SUBSYSTEM=module\0SEQNUM=744\0" },
	/* 61 */ { 79,
	  "add@/module/crc64\0ACTION=add\0DEVPATH=/module/crc64\0SUBSYSTEM=module\0"
	  "SEQNUM=745\0" },
	/* 62 */ { 97,
	  "add@/module/crc64_rocksoft\0ACTION=add\0DEVPATH=/module/crc64_rocksoft\0"
	  "SUBSYSTEM=module\0SEQNUM=746\0" },
	/* 63 */ { 81,
	  "add@/module/t10_pi\0ACTION=add\0DEVPATH=/module/t10_pi\0SUBSYSTEM=module\0"
	  "SEQNUM=747\0" },
	/* 64 */ { 84,
	  "add@/class/scsi_disk\0ACTION=add\0DEVPATH=/class/scsi_disk\0SUBSYSTEM=class\0"
	  "SEQNUM=748\0" },
	/* 65 */ { 94,
	  "add@/bus/scsi/drivers/sd\0ACTION=add\0DEVPATH=/bus/scsi/drivers/sd\0"
	  "SUBSYSTEM=drivers\0SEQNUM=749\0" },
	/* 66 */ { 81,
	  "add@/module/sd_mod\0ACTION=add\0DEVPATH=/module/sd_mod\0SUBSYSTEM=module\0"
	  "SEQNUM=750\0" },
	/* 67 */ { 234,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/scsi_disk/0:0:0:0\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/scsi_disk/0:0:0:0\0"
	  "SUBSYSTEM=scsi_disk\0SEQNUM=751\0" },
	/* 68 */ { 98,
	  "add@/devices/virtual/bdi/8:0\0ACTION=add\0DEVPATH=/devices/virtual/bdi/8:0\0"
	  "SUBSYSTEM=bdi\0SEQNUM=752\0" },
	/* 69 */ { 265,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/block/sda\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/block/sda\0"
	  "SUBSYSTEM=block\0MAJOR=8\0MINOR=0\0DEVNAME=sda\0DEVTYPE=disk\0DISKSEQ=1\0"
	  "SEQNUM=753\0" },
	/* 70 */ { 246,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0\0"
	  "ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0\0"
	  "SUBSYSTEM=scsi\0DEVTYPE=scsi_device\0DRIVER=sd\0MODALIAS=scsi:t-0x00\0"
	  "SEQNUM=754\0" },
	/* 71 */ { 260,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/bsg/0:0:0:0\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/bsg/0:0:0:0\0"
	  "SUBSYSTEM=bsg\0MAJOR=248\0MINOR=0\0DEVNAME=bsg/0:0:0:0\0SEQNUM=755\0" },
	/* 72 */ { 246,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/scsi_device/0:0:0:0\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/scsi_device/0:0:0:0\0"
	  "SUBSYSTEM=scsi_device\0SEQNUM=756\0" },
	/* 73 */ { 240,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/scsi_disk/0:0:0:0\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/scsi_disk/0:0:0:0\0"
	  "SUBSYSTEM=scsi_disk\0SEQNUM=757\0" },
	/* 74 */ { 104,
	  "remove@/devices/virtual/bdi/8:0\0ACTION=remove\0"
	  "DEVPATH=/devices/virtual/bdi/8:0\0SUBSYSTEM=bdi\0SEQNUM=758\0" },
	/* 75 */ { 271,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/block/sda\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/block/sda\0"
	  "SUBSYSTEM=block\0MAJOR=8\0MINOR=0\0DEVNAME=sda\0DEVTYPE=disk\0DISKSEQ=1\0"
	  "SEQNUM=759\0" },
	/* 76 */ { 219,
	  "unbind@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0\0"
	  "ACTION=unbind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0\0"
	  "SUBSYSTEM=scsi\0DEVTYPE=scsi_device\0SEQNUM=760\0" },
	/* 77 */ { 240,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0\0"
	  "SUBSYSTEM=scsi\0DEVTYPE=scsi_device\0MODALIAS=scsi:t-0x00\0SEQNUM=761\0" },
	/* 78 */ { 203,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0\0"
	  "SUBSYSTEM=scsi\0DEVTYPE=scsi_target\0SEQNUM=762\0" },
	/* 79 */ { 196,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/scsi_host/host0\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/scsi_host/host0\0"
	  "SUBSYSTEM=scsi_host\0SEQNUM=763\0" },
	/* 80 */ { 177,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0\0ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0\0SUBSYSTEM=scsi\0"
	  "DEVTYPE=scsi_host\0SEQNUM=764\0" },
	/* 81 */ { 136,
	  "remove@/devices/virtual/workqueue/scsi_tmf_0\0ACTION=remove\0"
	  "DEVPATH=/devices/virtual/workqueue/scsi_tmf_0\0SUBSYSTEM=workqueue\0SEQNUM=765\0" },
	/* 82 */ { 215,
	  "unbind@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0\0ACTION=unbind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0PRODUCT=1209/4/100\0TYPE=0/0/0\0INTERFACE=8/6/80\0"
	  "SEQNUM=766\0" },
	/* 83 */ { 274,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0\0ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0PRODUCT=1209/4/100\0TYPE=0/0/0\0INTERFACE=8/6/80\0"
	  "MODALIAS=usb:v1209p0004d0100dc00dsc00dp00ic08isc06ip50in00\0SEQNUM=767\0" },
	/* 84 */ { 243,
	  "unbind@/devices/platform/vhci_hcd.0/usb1/1-3\0ACTION=unbind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=3\0DEVNAME=bus/usb/001/004\0DEVTYPE=usb_device\0PRODUCT=1209/4/100\0"
	  "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=004\0SEQNUM=768\0" },
	/* 85 */ { 243,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-3\0ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=3\0DEVNAME=bus/usb/001/004\0DEVTYPE=usb_device\0PRODUCT=1209/4/100\0"
	  "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=004\0SEQNUM=769\0" },
	/* 86 */ { 267,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2/mouse0\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2/mouse0\0"
	  "SUBSYSTEM=input\0MAJOR=13\0MINOR=32\0DEVNAME=input/mouse0\0SEQNUM=770\0" },
	/* 87 */ { 267,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2/event1\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2/event1\0"
	  "SUBSYSTEM=input\0MAJOR=13\0MINOR=65\0DEVNAME=input/event1\0SEQNUM=771\0" },
	/* 88 */ { 447,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2\0"
	  "SUBSYSTEM=input\0PRODUCT=3/1209/1/111\0NAME=\"vusb Virtual Mouse\"\0"
	  "PHYS=\"usb-vhci_hcd.0-1/input0\"\0UNIQ=\"vusb-mouse0\"\0PROP=0\0EV=17\0"
	  "KEY=1f0000 0 0 0 0\0REL=1943\0MSC=10\0"
	  "MODALIAS=input:b0003v1209p0001e0111-e0,1,2,4,k110,111,112,113,114,r0,1,6,8,B,C,am4,lsfw\0"
	  "SEQNUM=772\0" },
	/* 89 */ { 253,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/hidraw/hidraw0\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/hidraw/hidraw0\0"
	  "SUBSYSTEM=hidraw\0MAJOR=246\0MINOR=0\0DEVNAME=hidraw0\0SEQNUM=773\0" },
	/* 90 */ { 298,
	  "unbind@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001\0"
	  "ACTION=unbind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001\0"
	  "SUBSYSTEM=hid\0HID_ID=0003:00001209:00000001\0HID_NAME=vusb Virtual Mouse\0"
	  "HID_PHYS=usb-vhci_hcd.0-1/input0\0HID_UNIQ=vusb-mouse0\0SEQNUM=774\0" },
	/* 91 */ { 340,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001\0"
	  "SUBSYSTEM=hid\0HID_ID=0003:00001209:00000001\0HID_NAME=vusb Virtual Mouse\0"
	  "HID_PHYS=usb-vhci_hcd.0-1/input0\0HID_UNIQ=vusb-mouse0\0"
	  "MODALIAS=hid:b0003g0001v00001209p00000001\0SEQNUM=775\0" },
	/* 92 */ { 214,
	  "unbind@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0ACTION=unbind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0PRODUCT=1209/1/100\0TYPE=0/0/0\0INTERFACE=3/1/2\0"
	  "SEQNUM=776\0" },
	/* 93 */ { 273,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0PRODUCT=1209/1/100\0TYPE=0/0/0\0INTERFACE=3/1/2\0"
	  "MODALIAS=usb:v1209p0001d0100dc00dsc00dp00ic03isc01ip02in00\0SEQNUM=777\0" },
	/* 94 */ { 243,
	  "unbind@/devices/platform/vhci_hcd.0/usb1/1-1\0ACTION=unbind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=1\0DEVNAME=bus/usb/001/002\0DEVTYPE=usb_device\0PRODUCT=1209/1/100\0"
	  "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=002\0SEQNUM=778\0" },
	/* 95 */ { 243,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-1\0ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=1\0DEVNAME=bus/usb/001/002\0DEVTYPE=usb_device\0PRODUCT=1209/1/100\0"
	  "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=002\0SEQNUM=779\0" },
	/* 96 */ { 258,
	  "change@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::numlock\0"
	  "ACTION=change\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::numlock\0"
	  "SUBSYSTEM=leds\0TRIGGER=none\0SEQNUM=780\0" },
	/* 97 */ { 245,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::numlock\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::numlock\0"
	  "SUBSYSTEM=leds\0SEQNUM=781\0" },
	/* 98 */ { 260,
	  "change@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::capslock\0"
	  "ACTION=change\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::capslock\0"
	  "SUBSYSTEM=leds\0TRIGGER=none\0SEQNUM=782\0" },
	/* 99 */ { 247,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::capslock\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::capslock\0"
	  "SUBSYSTEM=leds\0SEQNUM=783\0" },
	/* 100 */ { 264,
	  "change@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::scrolllock\0"
	  "ACTION=change\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::scrolllock\0"
	  "SUBSYSTEM=leds\0TRIGGER=none\0SEQNUM=784\0" },
	/* 101 */ { 251,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::scrolllock\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::scrolllock\0"
	  "SUBSYSTEM=leds\0SEQNUM=785\0" },
	/* 102 */ { 245,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::compose\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::compose\0"
	  "SUBSYSTEM=leds\0SEQNUM=786\0" },
	/* 103 */ { 252,
	  "change@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::kana\0"
	  "ACTION=change\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::kana\0"
	  "SUBSYSTEM=leds\0TRIGGER=none\0SEQNUM=787\0" },
	/* 104 */ { 239,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::kana\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::kana\0"
	  "SUBSYSTEM=leds\0SEQNUM=788\0" },
	/* 105 */ { 267,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/event2\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/event2\0"
	  "SUBSYSTEM=input\0MAJOR=13\0MINOR=66\0DEVNAME=input/event2\0SEQNUM=789\0" },
	/* 106 */ { 649,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3\0"
	  "SUBSYSTEM=input\0PRODUCT=3/1209/2/111\0NAME=\"vusb Virtual Keyboard\"\0"
	  "PHYS=\"usb-vhci_hcd.0-2/input0\"\0UNIQ=\"vusb-keyboard0\"\0PROP=0\0EV=120013\0"
	  "KEY=1000000000007 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe\0MSC=10\0"
	  "LED=1f\0"
	  "MODALIAS=input:b0003v1209p0002e0111-e0,1,4,11,14,k71,72,73,74,75,77,79,7A,7B,7C,7D,7E,7F,80,81,82,83,84,85,86,87,88,89,8A,8C,8E,96,98,9E,9F,A1,A3,A4,A5,A6,AD,B0,B1,B2,B3,B4,B7,B8,B9,BA,BB,BC,BD,BE,BF,C0,C1,C2,F0,ram4,l0,1,2,3,4,sfw\0"
	  "SEQNUM=790\0" },
	/* 107 */ { 253,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/hidraw/hidraw1\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/hidraw/hidraw1\0"
	  "SUBSYSTEM=hidraw\0MAJOR=246\0MINOR=1\0DEVNAME=hidraw1\0SEQNUM=791\0" },
	/* 108 */ { 304,
	  "unbind@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002\0"
	  "ACTION=unbind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002\0"
	  "SUBSYSTEM=hid\0HID_ID=0003:00001209:00000002\0HID_NAME=vusb Virtual Keyboard\0"
	  "HID_PHYS=usb-vhci_hcd.0-2/input0\0HID_UNIQ=vusb-keyboard0\0SEQNUM=792\0" },
	/* 109 */ { 346,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002\0"
	  "SUBSYSTEM=hid\0HID_ID=0003:00001209:00000002\0HID_NAME=vusb Virtual Keyboard\0"
	  "HID_PHYS=usb-vhci_hcd.0-2/input0\0HID_UNIQ=vusb-keyboard0\0"
	  "MODALIAS=hid:b0003g0001v00001209p00000002\0SEQNUM=793\0" },
	/* 110 */ { 214,
	  "unbind@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0\0ACTION=unbind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0PRODUCT=1209/2/100\0TYPE=0/0/0\0INTERFACE=3/1/1\0"
	  "SEQNUM=794\0" },
	/* 111 */ { 273,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0\0ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0PRODUCT=1209/2/100\0TYPE=0/0/0\0INTERFACE=3/1/1\0"
	  "MODALIAS=usb:v1209p0002d0100dc00dsc00dp00ic03isc01ip01in00\0SEQNUM=795\0" },
	/* 112 */ { 243,
	  "unbind@/devices/platform/vhci_hcd.0/usb1/1-2\0ACTION=unbind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=2\0DEVNAME=bus/usb/001/003\0DEVTYPE=usb_device\0PRODUCT=1209/2/100\0"
	  "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=003\0SEQNUM=796\0" },
	/* 113 */ { 243,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-2\0ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=2\0DEVNAME=bus/usb/001/003\0DEVTYPE=usb_device\0PRODUCT=1209/2/100\0"
	  "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=003\0SEQNUM=797\0" },
};

#define UEVENT_NCAPTURE (sizeof(uevent_capture) / sizeof(uevent_capture[0]))

#endif
