# tests/bench/table.awk: the "bench: KEY VALUE" lines of a make bench run
# as one table (standard output and OUT/table.md) and its machine-readable
# copies (OUT/results.csv: the table's rows; OUT/results.json: the rows,
# every raw figure, the date and the machine).
#
#   awk -v date=D -v machine=M -v out=DIR -f table.awk results.txt
#
# A row names up to four keys, one per column: vusb attached directly,
# vusb exported with --listen and imported with usbip attach, the kernel's
# own device (a configfs gadget on dummy_hcd), and that gadget exported
# with usbip-host and imported with usbip attach. "-" leaves a cell empty.
# Those four columns come from the boot with 2 vCPUs, on which the targets
# are judged; the same four again from the boot with 1 vCPU, whose keys
# end in "@smp1" (tests/bench/run), where it measured the row.

$1 == "bench:" && NF == 3 {
	if (!($2 in v))
		order[++nkeys] = $2
	v[$2] = $3
	if ($2 ~ /@smp1$/)
		smp1 = 1
}

function has(k) {
	return k != "-" && (k in v)
}

function cell(k, fmt) {
	if (k == "-")
		return "—"
	if (!(k in v))
		return "n/a"
	return sprintf(fmt, v[k])
}

function json_str(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	return "\"" s "\""
}

# The 1-vCPU cell of key k: n/a when that boot ran and should have
# measured it (HID and storage), else empty.
function cell1(k, fmt) {
	if (k == "-")
		return "—"
	if ((k "@smp1") in v)
		return sprintf(fmt, v[k "@smp1"])
	return smp1 && k ~ /^(hid|storage)\./ ? "n/a" : "—"
}

# "A / B" of two keys in both boots' cells 1 and 5 of the last row.
function pair(ka, kb, fmt) {
	if (has(ka) && has(kb))
		rc[n, 1] = sprintf(fmt " / " fmt, v[ka], v[kb])
	if (has(ka "@smp1") && has(kb "@smp1"))
		rc[n, 5] = sprintf(fmt " / " fmt, v[ka "@smp1"], v[kb "@smp1"])
	else if (smp1)
		rc[n, 5] = "n/a"
}

# "off / auto / pinned" of the --cpu keys PRE.MODE.UNIT (t-25-cpu), in
# both boots' first cells of the last row.
function cpu_modes(pre, unit, fmt,    b, k, m, i, s, any) {
	split("off auto pinned", m, " ")
	for (b = 0; b <= 1; b++) {
		s = ""
		any = 0
		for (i = 1; i <= 3; i++) {
			k = pre "." m[i] "." unit (b ? "@smp1" : "")
			s = s (i > 1 ? " / " : "") (has(k) ? sprintf(fmt, v[k]) : "n/a")
			any = any || has(k)
		}
		if (any)
			rc[n, b ? 5 : 1] = s
		else if (b && smp1)
			rc[n, 5] = "n/a"
	}
}

# row(LABEL, FMT, K1, K2, K3, K4, TARGET, STATUS)
function row(label, fmt, k1, k2, k3, k4, target, status) {
	n++
	rl[n] = label
	rc[n, 1] = cell(k1, fmt)
	rc[n, 2] = cell(k2, fmt)
	rc[n, 3] = cell(k3, fmt)
	rc[n, 4] = cell(k4, fmt)
	rc[n, 5] = cell1(k1, fmt)
	rc[n, 6] = cell1(k2, fmt)
	rc[n, 7] = cell1(k3, fmt)
	rc[n, 8] = cell1(k4, fmt)
	rt[n] = target
	rs[n] = status
}

# Storage: at least 1.5x the gadget over usbip, and not below the gadget.
function storage_status(p,    a, g, gu) {
	if (!has(p ".vusb." unit[p]) || !has(p ".gadget." unit[p]) || !has(p ".gadget_usbip." unit[p]))
		return "n/a"
	a = v[p ".vusb." unit[p]]
	g = v[p ".gadget." unit[p]]
	gu = v[p ".gadget_usbip." unit[p]]
	if (gu <= 0 || g <= 0)
		return "n/a"
	return sprintf("%s (%.2fx gadget+usbip, %.2fx gadget)",
		       a >= 1.5 * gu && a >= g ? "met" : "missed", a / gu, a / g)
}

function storage_row(label, p, fmt) {
	row(label, fmt, p ".vusb." unit[p], p ".vusb_usbip." unit[p], p ".gadget." unit[p],
	    p ".gadget_usbip." unit[p], ">= 1.5x gadget+usbip, >= gadget", storage_status(p))
}

# A real firmware's download against the built-in model's: at most twice as long.
function fomu_status(k, b) {
	if (!has(k) || !has(b) || v[b] <= 0)
		return "n/a"
	return sprintf("%s (%.2fx)", v[k] + 0 <= 2 * v[b] ? "met" : "missed", v[k] / v[b])
}

# The ratio alone, for a row the target is not judged on.
function fomu_ratio(k, b) {
	if (!has(k) || !has(b) || v[b] <= 0)
		return "n/a"
	return sprintf("%.2fx", v[k] / v[b])
}

function le(k, limit,    x) {
	if (!has(k))
		return "n/a"
	x = v[k]
	return sprintf("%s (%.0f%% of it)", x <= limit ? "met" : "missed", 100 * x / limit)
}

END {
	# HID
	d = "hid.latency.direct.median_us"
	u = "hid.latency.usbip.median_us"
	st = "n/a"
	if (has(d) && has(u) && v[u] > 0)
		st = sprintf("%s (%.2fx)", 2 * v[d] <= v[u] ? "met" : "missed", v[d] / v[u])
	row("HID latency, median (us)", "%d", d, u, "hid.latency.gadget.median_us",
	    "hid.latency.gadget_usbip.median_us", "vusb <= 1/2 usbip attach", st)
	row("HID latency, p99 (us)", "%d", "hid.latency.direct.p99_us", "hid.latency.usbip.p99_us",
	    "hid.latency.gadget.p99_us", "hid.latency.gadget_usbip.p99_us", "", "")
	# The same moves over one session (vusbctl batch) instead of a
	# connection each: what is left is vusb's own path.
	d = "hid.latency.direct_session.median_us"
	u = "hid.latency.usbip_session.median_us"
	st = "n/a"
	if (has(d) && has(u) && v[u] > 0)
		st = sprintf("%s (%.2fx)", 2 * v[d] <= v[u] ? "met" : "missed", v[d] / v[u])
	row("HID latency, one session (vusbctl batch), median (us)", "%d", d, u,
	    "hid.latency.gadget.median_us", "hid.latency.gadget_usbip.median_us",
	    "vusb <= 1/2 usbip attach", st)
	row("HID latency, one session, p99 (us)", "%d", "hid.latency.direct_session.p99_us",
	    "hid.latency.usbip_session.p99_us", "hid.latency.gadget.p99_us",
	    "hid.latency.gadget_usbip.p99_us", "", "")
	row("HID latency, vusb with --capture, median / p99 (us)", "%s", "hid.cap", "-", "-", "-",
	    "", "")
	pair("hid.latency.direct_capture.median_us", "hid.latency.direct_capture.p99_us", "%d")
	# A program writing reports to the report socket (RUNDIR/dev/NAME.hid)
	# against one writing them to the f_hid gadget's /dev/hidg0.
	d = "hid.latency.direct_socket.median_us"
	g = "hid.latency.gadget.median_us"
	st = "n/a"
	if (has(d) && has(g) && v[g] > 0)
		st = sprintf("%s (%.2fx)", v[d] <= v[g] ? "met" : "missed", v[d] / v[g])
	row("HID latency, report socket (NAME.hid), median (us)", "%d", d, "-",
	    "hid.latency.gadget.median_us", "-", "vusb <= gadget (/dev/hidg0)", st)
	row("HID latency, report socket, p99 (us)", "%d", "hid.latency.direct_socket.p99_us", "-",
	    "hid.latency.gadget.p99_us", "-", "", "")
	row("Attach to input node (ms)", "%.1f", "hid.attach.direct.ms", "hid.attach.usbip.ms",
	    "hid.attach.gadget.ms", "hid.attach.gadget_usbip.ms", "", "")

	# Storage (tests/bench/t-20-*: the storage engineer's keys)
	unit["storage.seq_read"] = "mbps"
	unit["storage.seq_write"] = "mbps"
	unit["storage.randread_4k"] = "iops"
	storage_row("Storage sequential read (MB/s)", "storage.seq_read", "%.1f")
	storage_row("Storage sequential write (MB/s)", "storage.seq_write", "%.1f")
	storage_row("Storage 4 KiB random read, O_DIRECT, QD1 (IOPS)", "storage.randread_4k", "%d")
	row("Storage sequential read / write, vusb --superspeed (MB/s)", "%s", "storage.ss", "-",
	    "-", "-", "", "")
	pair("storage.seq_read.vusb_ss.mbps", "storage.seq_write.vusb_ss.mbps", "%.1f")
	row("Storage sequential read / write, vusb with --capture (MB/s)", "%s", "storage.cap",
	    "-", "-", "-", "", "")
	pair("storage.seq_read.vusb_capture.mbps", "storage.seq_write.vusb_capture.mbps", "%.1f")
	# --cpu (t-25-cpu): the same boot, alternating rounds
	row("--cpu off / auto (default) / auto, client on its CPU: 4 KiB random read (IOPS)", "%s",
	    "cpu.randread", "-", "-", "-", "", "")
	cpu_modes("cpu.randread_4k", "iops", "%d")
	row("--cpu off / auto / auto, client on its CPU: report socket latency, median (us)", "%s",
	    "cpu.socket_median", "-", "-", "-", "", "")
	cpu_modes("cpu.socket", "median_us", "%d")
	row("--cpu off / auto / auto, client on its CPU: report socket latency, p99 (us)", "%s",
	    "cpu.socket_p99", "-", "-", "-", "", "")
	cpu_modes("cpu.socket", "p99_us", "%d")
	row("--cpu off / auto: CPU time of the serving process, all rounds (s; auto's has the pinned ones too)",
	    "%s", "cpu.cpu_s", "-", "-", "-", "", "")
	pair("cpu.cpu_s.off", "cpu.cpu_s.auto", "%.2f")
	row("CPU time of the serving process per GiB moved (s)", "%.2f",
	    "storage.cpu_s_per_gib.vusb", "storage.cpu_s_per_gib.vusb_usbip", "-", "-", "", "")

	# Serial (t-40): vusb-attach serial beside an f_acm gadget, cdc_acm on both
	row("Serial host -> device, full speed (MB/s)", "%.2f", "serial.h2d.vusb_full.mbps", "-",
	    "serial.h2d.gadget_full.mbps", "-", "", "")
	row("Serial device -> host, full speed (MB/s)", "%.2f", "serial.d2h.vusb_full.mbps", "-",
	    "serial.d2h.gadget_full.mbps", "-", "", "")
	row("Serial host -> device, high speed (MB/s)", "%.2f", "serial.h2d.vusb_high.mbps", "-",
	    "serial.h2d.gadget_high.mbps", "-", "", "")
	row("Serial device -> host, high speed (MB/s)", "%.2f", "serial.d2h.vusb_high.mbps", "-",
	    "serial.d2h.gadget_high.mbps", "-", "", "")

	# Memory and scale
	row("Resident memory, process serving one mouse (KiB)", "%d", "mem.one_mouse.rss_kb",
	    "-", "-", "-", "<= 2048", le("mem.one_mouse.rss_kb", 2048))
	row("... its proportional share (Pss) / its own, anonymous (KiB)", "%s",
	    "mem.one_mouse.pss_anon", "-", "-", "-", "", "")
	if (has("mem.one_mouse.pss_kb"))
		rc[n, 1] = v["mem.one_mouse.pss_kb"] " / " v["mem.one_mouse.anonymous_kb"]
	row("Resident memory of an idle libc-only program, for scale (KiB)", "%d",
	    "mem.libc_program.rss_kb", "-", "-", "-", "", "")
	row("Resident memory per further mouse (KiB)", "%d", "scale.hs.per_device_kb", "-", "-",
	    "-", "<= 64", le("scale.hs.per_device_kb", 64))
	row("Resident memory per further SuperSpeed drive (KiB)", "%d",
	    "scale.all.per_storage_kb", "-", "-", "-", "<= 64", le("scale.all.per_storage_kb", 64))
	ports = 0
	if (has("scale.ports.hs") && has("scale.ports.ss"))
		ports = v["scale.ports.hs"] + v["scale.ports.ss"]
	if (has("scale.all.ports_used"))
		v["scale.best.ports_used"] = v["scale.all.ports_used"]
	else if (has("scale.hs.ports_used"))
		v["scale.best.ports_used"] = v["scale.hs.ports_used"]
	st = "n/a"
	if (has("scale.best.ports_used") && ports) {
		used = v["scale.best.ports_used"]
		st = used >= ports ? "met" : sprintf("missed (%d of %d)", used, ports)
	}
	row("vhci ports served by one process", "%d", "scale.best.ports_used", "-", "-", "-",
	    "all " (ports ? ports : "?"), st)
	row("Enumerate 120 mice, one process (s)", "%.2f", "scale.hs.enumerate_s", "-", "-", "-", "", "")
	row("Enumerate 120 mice + 120 SuperSpeed drives (s)", "%.2f", "scale.all.enumerate_s", "-",
	    "-", "-", "", "")
	row("CPU time of vusb-attach to bring up 120 mice / all 240 (s)", "%s", "scale.cpu", "-",
	    "-", "-", "", "")
	if (has("scale.hs.cpu_s"))
		rc[n, 1] = v["scale.hs.cpu_s"] " / " (has("scale.all.cpu_s") ? v["scale.all.cpu_s"] : "n/a")
	row("Detach all 240 on SIGTERM (s)", "%.2f", "scale.all.detach_s", "-", "-", "-", "", "")
	left = has("scale.all.ports_left") ? "scale.all.ports_left" : "scale.hs.ports_left"
	row("vhci ports left in use after that", "%d", left, "-", "-", "-", "0",
	    has(left) ? (v[left] == 0 ? "met" : "missed") : "n/a")

	# Fomu (t-50): the real bootloader beside the built-in model, 100 KiB
	# with dfu-util -D, one after the other in one boot
	b = "fomu.download_100k.builtin_ms"
	row("Fomu: 100 KiB dfu-util -D, built-in model (ms)", "%d", b, "-", "-", "-", "", "")
	row("Fomu: the same, real foboot v1.9 at 12 MHz (ms)", "%d", "fomu.download_100k.foboot_v1_9_ms",
	    "-", "-", "-", "judged unpaced (board time)",
	    fomu_ratio("fomu.download_100k.foboot_v1_9_ms", b))
	row("Fomu: the same, real foboot v2.0.4 at 12 MHz (ms)", "%d",
	    "fomu.download_100k.foboot_v2_0_4_ms", "-", "-", "-", "<= 2x built-in",
	    fomu_status("fomu.download_100k.foboot_v2_0_4_ms", b))
	row("Fomu: the same, real foboot v1.9 unpaced (--ips max) (ms)", "%d",
	    "fomu.download_100k.foboot_v1_9_unpaced_ms", "-", "-", "-", "<= 2x built-in",
	    fomu_status("fomu.download_100k.foboot_v1_9_unpaced_ms", b))
	row("Fomu: CPU time of vusb-attach for it, built-in / v1.9 / v2.0.4 (ms)", "%s", "fomu.cpu",
	    "-", "-", "-", "", "")
	if (has("fomu.cpu_100k.builtin_ms"))
		rc[n, 1] = v["fomu.cpu_100k.builtin_ms"] " / " cell("fomu.cpu_100k.foboot_v1_9_ms", "%d") \
			   " / " cell("fomu.cpu_100k.foboot_v2_0_4_ms", "%d")
	row("Fomu: the core's M instructions per second of wall time, v1.9 / v2.0.4", "%s",
	    "fomu.mips", "-", "-", "-", "", "")
	if (has("fomu.core.foboot_v1_9_mips") || has("fomu.core.foboot_v2_0_4_mips"))
		rc[n, 1] = cell("fomu.core.foboot_v1_9_mips", "%.2f") " / " \
			   cell("fomu.core.foboot_v2_0_4_mips", "%.2f")

	row("Fomu: the core running foboot v1.9 on the build machine, unpaced (M instructions/s)",
	    "%.1f", "fomu.host.foboot_v1_9_mips", "-", "-", "-", "", "")

	# Userspace cost, callgrind on the build machine
	row("Instructions per interrupt URB (5-byte mouse report)", "%d",
	    "urb.hid_report.instructions", "-", "-", "-", "", "")
	row("Instructions per 128 KiB storage read (CBW + data + CSW URBs)", "%d",
	    "urb.storage_read_128k.instructions", "-", "-", "-", "", "")
	row("... with a capture running (--capture), per interrupt URB", "%d",
	    "urb.hid_report_capture.instructions", "-", "-", "-", "", "")
	row("... with a capture running (--capture), per 128 KiB storage read", "%d",
	    "urb.storage_read_128k_capture.instructions", "-", "-", "-", "", "")
	row("Instructions per memcpy() of 128 KiB, for scale", "%d", "urb.memcpy_128k.instructions",
	    "-", "-", "-", "", "")
	c = "urb.storage_read_128k.instructions"
	m = "urb.memcpy_128k.instructions"
	if (has(c) && has(m) && v[m] > 0)
		v["urb.payload_copies"] = v[c] / v[m]
	row("Userspace payload copies per storage read (instructions / memcpy)", "%.2f",
	    "urb.payload_copies", "-", "-", "-", "<= 1",
	    has("urb.payload_copies") ? (v["urb.payload_copies"] <= 1 ? "met" : "missed") : "n/a")

	# Where a 4 KiB read and a report go (t-60-breakdown), 2 vCPUs only
	row("Breakdown of a 4 KiB O_DIRECT read (us, medians): see tests/bench/README.md", "%s",
	    "breakdown.storage", "-", "-", "-", "", "")
	if (has("breakdown.storage.total_us"))
		rc[n, 1] = sprintf("%d total: vhci tx %d, to vusb %d, vusb %d, vhci rx %d",
				   v["breakdown.storage.total_us"], v["breakdown.storage.tx_wake_us"],
				   v["breakdown.storage.to_vusb_us"], v["breakdown.storage.vusb_us"],
				   v["breakdown.storage.rx_us"])
	row("... the same with --cpu off, before it existed", "%s", "breakdown.storage_cpuoff", "-",
	    "-", "-", "", "")
	if (has("breakdown.storage_cpuoff.total_us"))
		rc[n, 1] = sprintf("%d total: vhci tx %d, to vusb %d, vusb %d, vhci rx %d",
				   v["breakdown.storage_cpuoff.total_us"],
				   v["breakdown.storage_cpuoff.tx_wake_us"],
				   v["breakdown.storage_cpuoff.to_vusb_us"],
				   v["breakdown.storage_cpuoff.vusb_us"],
				   v["breakdown.storage_cpuoff.rx_us"])
	st = "n/a"
	if (has("hid.idle_mouse.cpu_pct"))
		st = v["hid.idle_mouse.cpu_pct"] == 0 ? "met" : "missed"
	row("Idle mouse: CPU of its vusb-attach over 60 s (%)", "%.2f", "hid.idle_mouse.cpu_pct",
	    "-", "-", "-", "0.00", st)

	head = "| | vusb | vusb --listen, usbip attach | gadget on dummy_hcd | gadget, usbip-host, usbip attach"
	head = head " | 1 vCPU: vusb | vusb --listen, usbip attach | gadget on dummy_hcd | gadget, usbip-host, usbip attach | target (2 vCPUs) | |"
	sep = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
	md = out "/table.md"
	printf "vusb benchmarks, %s\n%s\n\n", date, machine >md
	printf "The first four columns ran with 2 vCPUs: the targets are judged on them.\n" >md
	printf "The next four ran in a second boot with 1 vCPU.\n\n" >md
	print head >md
	print sep >md
	for (i = 1; i <= n; i++)
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", rl[i], rc[i, 1],
		       rc[i, 2], rc[i, 3], rc[i, 4], rc[i, 5], rc[i, 6], rc[i, 7], rc[i, 8], rt[i],
		       rs[i] >md
	close(md)
	while ((getline line <md) > 0)
		print line
	close(md)

	csv = out "/results.csv"
	print "measure,vusb,vusb_listen_usbip,gadget_dummy_hcd,gadget_usbip,vusb_1cpu,vusb_listen_usbip_1cpu,gadget_dummy_hcd_1cpu,gadget_usbip_1cpu,target,status" >csv
	for (i = 1; i <= n; i++)
		printf "\"%s\",%s,%s,%s,%s,%s,%s,%s,%s,\"%s\",\"%s\"\n", rl[i], rc[i, 1], rc[i, 2],
		       rc[i, 3], rc[i, 4], rc[i, 5], rc[i, 6], rc[i, 7], rc[i, 8], rt[i], rs[i] >csv
	close(csv)

	js = out "/results.json"
	printf "{\n  \"date\": %s,\n  \"machine\": %s,\n  \"rows\": [\n", json_str(date),
	       json_str(machine) >js
	for (i = 1; i <= n; i++)
		printf "    {\"measure\": %s, \"vusb\": %s, \"vusb_listen_usbip\": %s, \"gadget_dummy_hcd\": %s, \"gadget_usbip\": %s, \"smp1\": [%s, %s, %s, %s], \"target\": %s, \"status\": %s}%s\n",
		       json_str(rl[i]), json_str(rc[i, 1]), json_str(rc[i, 2]), json_str(rc[i, 3]),
		       json_str(rc[i, 4]), json_str(rc[i, 5]), json_str(rc[i, 6]), json_str(rc[i, 7]),
		       json_str(rc[i, 8]), json_str(rt[i]), json_str(rs[i]), i < n ? "," : "" >js
	printf "  ],\n  \"results\": {\n" >js
	for (i = 1; i <= nkeys; i++)
		printf "    %s: %s%s\n", json_str(order[i]), v[order[i]], i < nkeys ? "," : "" >js
	printf "  }\n}\n" >js
	close(js)
}
