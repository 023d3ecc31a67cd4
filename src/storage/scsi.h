/* SPDX-License-Identifier: MIT */
/*
 * SCSI for one logical unit: a direct-access disk (SBC-3) or a CD-ROM
 * (MMC-5) over a block backend, as USB mass storage devices speak it.
 *
 * Pure: commands come in as CDB bytes, data goes through the caller's
 * buffers, and the medium is reached only through struct
 * scsi_backend_ops, so that tests can inject any error. The transport
 * (bulk-only, src/storage/msc.c) drives one command at a time:
 *
 *   scsi_cmd_start()   decode the CDB; say what data phase the device
 *                      intends (cmd->dir, cmd->length); commands without
 *                      data run here, small replies are prepared here
 *   scsi_cmd_read()    IN:  the next bytes of the reply (READ: from the
 *                      backend, straight into the caller's buffer)
 *   scsi_cmd_write()   OUT: the next bytes of a WRITE, to the backend
 *   scsi_cmd_finish()  the data phase is over (perhaps cut short by the
 *                      transport): the status, GOOD or CHECK CONDITION
 *
 * A CHECK CONDITION leaves its sense data for REQUEST SENSE (fixed
 * format); the next other command clears it.
 */
#ifndef VUSB_SCSI_H
#define VUSB_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCSI_STATUS_GOOD 0x00
#define SCSI_STATUS_CHECK_CONDITION 0x02

/* Operation codes */
#define SCSI_TEST_UNIT_READY 0x00
#define SCSI_REQUEST_SENSE 0x03
#define SCSI_READ_6 0x08
#define SCSI_WRITE_6 0x0a
#define SCSI_INQUIRY 0x12
#define SCSI_MODE_SELECT_6 0x15
#define SCSI_MODE_SENSE_6 0x1a
#define SCSI_START_STOP_UNIT 0x1b
#define SCSI_PREVENT_ALLOW_MEDIUM_REMOVAL 0x1e
#define SCSI_READ_FORMAT_CAPACITIES 0x23
#define SCSI_READ_CAPACITY_10 0x25
#define SCSI_READ_10 0x28
#define SCSI_WRITE_10 0x2a
#define SCSI_VERIFY_10 0x2f
#define SCSI_SYNCHRONIZE_CACHE_10 0x35
#define SCSI_READ_TOC 0x43
#define SCSI_GET_CONFIGURATION 0x46
#define SCSI_GET_EVENT_STATUS_NOTIFICATION 0x4a
#define SCSI_MODE_SELECT_10 0x55
#define SCSI_MODE_SENSE_10 0x5a
#define SCSI_READ_16 0x88
#define SCSI_WRITE_16 0x8a
#define SCSI_VERIFY_16 0x8f
#define SCSI_SYNCHRONIZE_CACHE_16 0x91
#define SCSI_SERVICE_ACTION_IN_16 0x9e
#define SCSI_SAI_READ_CAPACITY_16 0x10
#define SCSI_REPORT_LUNS 0xa0
#define SCSI_READ_12 0xa8
#define SCSI_WRITE_12 0xaa

/* Sense keys */
#define SCSI_SENSE_NO_SENSE 0x0
#define SCSI_SENSE_NOT_READY 0x2
#define SCSI_SENSE_MEDIUM_ERROR 0x3
#define SCSI_SENSE_ILLEGAL_REQUEST 0x5
#define SCSI_SENSE_UNIT_ATTENTION 0x6
#define SCSI_SENSE_DATA_PROTECT 0x7

/* Additional sense code and qualifier, as ASC << 8 | ASCQ */
#define SCSI_ASC_NONE 0x0000
#define SCSI_ASC_NOT_READY 0x0400 /* logical unit not ready, cause not reportable */
#define SCSI_ASC_WRITE_ERROR 0x0c00
#define SCSI_ASC_UNRECOVERED_READ_ERROR 0x1100
#define SCSI_ASC_INVALID_OPCODE 0x2000
#define SCSI_ASC_LBA_OUT_OF_RANGE 0x2100
#define SCSI_ASC_INVALID_FIELD_IN_CDB 0x2400
#define SCSI_ASC_WRITE_PROTECTED 0x2700
#define SCSI_ASC_MEDIUM_CHANGED 0x2800
#define SCSI_ASC_SAVING_NOT_SUPPORTED 0x3900
#define SCSI_ASC_MEDIUM_NOT_PRESENT 0x3a00
#define SCSI_ASC_MEDIUM_NOT_PRESENT_TRAY_OPEN 0x3a02
#define SCSI_ASC_MEDIUM_REMOVAL_PREVENTED 0x5302

/* GET EVENT STATUS NOTIFICATION media event codes (MMC-5 table 167) */
#define SCSI_MEDIA_EVENT_NONE 0
#define SCSI_MEDIA_EVENT_EJECT_REQUEST 1
#define SCSI_MEDIA_EVENT_NEW_MEDIA 2
#define SCSI_MEDIA_EVENT_REMOVAL 3

#define SCSI_SENSE_SIZE 18 /* fixed format, as we return it */
#define SCSI_CDB_MAX 16
#define SCSI_REPLY_MAX 256 /* the largest reply prepared in scsi_cmd_start() */
#define SCSI_SERIAL_MAX 64 /* unit serial number, VPD page 0x80 */

enum scsi_type {
	SCSI_TYPE_DISK = 0x00, /* SBC, 512-byte blocks */
	SCSI_TYPE_CDROM = 0x05, /* MMC, 2048-byte blocks, read-only */
};

/*
 * The medium's storage. Each returns 0 when all `len` bytes moved, or
 * -errno (-EIO, -ENOSPC, ...). Offsets are checked against the size
 * before any call.
 */
struct scsi_backend_ops {
	int (*read)(void *ctx, void *buf, size_t len, uint64_t off);
	int (*write)(void *ctx, const void *buf, size_t len, uint64_t off);
	/* Everything written so far is durable (fdatasync). */
	int (*flush)(void *ctx);
	/*
	 * Optional: the file descriptor holding [off, off + len) at those
	 * same offsets, for a caller that moves the data itself without a
	 * copy through user space (splice) to read it, or to write it when
	 * `write`, or -EOPNOTSUPP when no one file does.
	 */
	int (*file)(void *ctx, uint64_t off, size_t len, bool write);
};

struct scsi_medium {
	const struct scsi_backend_ops *ops;
	void *ctx;
	uint64_t nblocks; /* > 0 */
	bool readonly; /* writes fail with DATA PROTECT */
};

enum scsi_medium_state {
	SCSI_MEDIUM_NONE, /* empty drive */
	SCSI_MEDIUM_PRESENT,
	/* The host ejected it (START STOP UNIT): gone from the host's view,
	 * still held, and a load (START STOP UNIT again) brings it back. */
	SCSI_MEDIUM_EJECTED,
};

struct scsi_lun {
	/* Identity, fixed after scsi_lun_init() and scsi_lun_set_ident(). */
	enum scsi_type type;
	uint32_t block_size;
	char vendor[9]; /* INQUIRY, space padded to 8 */
	char product[17]; /* padded to 16 */
	char revision[5]; /* padded to 4 */
	char serial[SCSI_SERIAL_MAX + 1];

	struct scsi_medium medium;
	enum scsi_medium_state state;
	bool prevent; /* PREVENT ALLOW MEDIUM REMOVAL: the host holds it */
	bool unit_attention; /* a medium change the host has not heard of */
	uint8_t media_event; /* for GET EVENT STATUS NOTIFICATION */
	/* A flush failed since the medium went in: data the host was told
	 * was written may be lost, so every later SYNCHRONIZE CACHE fails
	 * too (fdatasync reports a writeback error only once). */
	int flush_error;

	/* Faults the user set (vusbctl NAME fault ...), for testing hosts. */
	uint8_t bad_dirs; /* SCSI_BAD_READ | SCSI_BAD_WRITE: medium-error; 0: none */
	uint64_t bad_first, bad_last; /* the bad LBAs, inclusive */
	bool not_ready; /* medium access fails NOT READY */

	/* Sense data of the last command. */
	uint8_t sense_key;
	uint16_t asc;
	bool info_valid; /* the information field holds `info`: the failing LBA */
	uint32_t info;
};

#define SCSI_BAD_READ 0x1
#define SCSI_BAD_WRITE 0x2

enum scsi_dir {
	SCSI_DIR_NONE,
	SCSI_DIR_IN, /* device to host */
	SCSI_DIR_OUT, /* host to device */
};

/* One command in progress. */
struct scsi_cmd {
	/* What the device intends, from scsi_cmd_start(). */
	enum scsi_dir dir;
	uint64_t length; /* bytes; 0 with SCSI_DIR_NONE */
	uint8_t status; /* so far */

	/* The rest is the command's own. */
	uint8_t opcode;
	bool media; /* a READ or WRITE: data from or to the backend */
	bool fua; /* WRITE with force unit access: flush when done */
	uint64_t offset; /* byte offset of a READ/WRITE on the medium */
	uint64_t done; /* bytes moved so far */
	uint8_t reply[SCSI_REPLY_MAX];
};

/* An empty drive of `type`, identity "vusb", "Virtual Disk", "1.00". */
void scsi_lun_init(struct scsi_lun *lun, enum scsi_type type);

/*
 * Set INQUIRY's strings and the unit serial number. Characters outside
 * printable ASCII become '_', longer strings are cut to their field.
 * NULL leaves a field alone.
 */
void scsi_lun_set_ident(struct scsi_lun *lun, const char *vendor, const char *product,
			const char *revision, const char *serial);

/* Load a medium into an empty (or host-ejected) drive: the host gets a
 * UNIT ATTENTION and a new-media event. */
void scsi_medium_insert(struct scsi_lun *lun, const struct scsi_medium *medium);

/*
 * Take the medium out (the user's eject). -EBUSY when the host prevents
 * removal (it has the disk mounted) unless `force`; 0 otherwise, also for
 * an empty drive. The backend is not flushed here: that is the owner's,
 * before it lets go of the storage.
 */
int scsi_medium_remove(struct scsi_lun *lun, bool force);

static inline bool scsi_medium_present(const struct scsi_lun *lun)
{
	return lun->state == SCSI_MEDIUM_PRESENT;
}

/* Decode `cdb` and run or prepare it; see the top of this file. */
void scsi_cmd_start(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb,
		    size_t cdb_len);

/*
 * The next `len` bytes of an IN data phase (len <= cmd->length -
 * cmd->done) into buf. 0, or -errno when the backend failed: the command
 * has then failed (CHECK CONDITION, MEDIUM ERROR) and the transport ends
 * the data phase.
 */
int scsi_cmd_read(struct scsi_lun *lun, struct scsi_cmd *cmd, uint8_t *buf, size_t len);

/*
 * As scsi_cmd_read(), but READ data is not copied: move(arg, fd, off,
 * len) is asked to move the bytes at `off` of file `fd` on, and returns 0
 * or -errno as a backend read would. -EOPNOTSUPP, changing nothing, when
 * there is no such file (a reply of the command's own, an overlay, a
 * backend without one) or move() says so: the caller then reads into a
 * buffer with scsi_cmd_read().
 */
int scsi_cmd_read_file(struct scsi_lun *lun, struct scsi_cmd *cmd, size_t len,
		       int (*move)(void *arg, int fd, uint64_t off, size_t len), void *arg);

/* The next `len` bytes of an OUT data phase; as scsi_cmd_read(). */
int scsi_cmd_write(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *buf, size_t len);

/* As scsi_cmd_write(), the way scsi_cmd_read_file() is to scsi_cmd_read(). */
int scsi_cmd_write_file(struct scsi_lun *lun, struct scsi_cmd *cmd, size_t len,
			int (*move)(void *arg, int fd, uint64_t off, size_t len), void *arg);

/* The data phase is over: SCSI_STATUS_GOOD or SCSI_STATUS_CHECK_CONDITION. */
uint8_t scsi_cmd_finish(struct scsi_lun *lun, struct scsi_cmd *cmd);

/* The fixed-format sense data of the last command, SCSI_SENSE_SIZE bytes. */
void scsi_sense_bytes(const struct scsi_lun *lun, uint8_t out[SCSI_SENSE_SIZE]);

#endif
