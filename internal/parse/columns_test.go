package parse

import "testing"

func TestIntoColumns(t *testing.T) {
	fixedNow(t, "2026-06-01T00:00:00Z")
	runIntoCases(t, []intoCase{
		{
			name:   "BGL",
			line:   `- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected`,
			time:   "2005-06-03T22:42:50.675872Z",
			level:  info,
			msg:    "instruction cache parity error corrected",
			fields: "node=R02-M1-N0-C:J12-U11 type=RAS component=KERNEL",
		},
		{
			name:   "BGL alert tag",
			line:   `KERNDTLB 1118536327 2005.06.11 R30-M0-N9-C:J16-U01 2005-06-11-17.32.07.581048 R30-M0-N9-C:J16-U01 RAS KERNEL FATAL data TLB error interrupt`,
			time:   "2005-06-12T00:32:07.581048Z",
			level:  fatal,
			msg:    "data TLB error interrupt",
			fields: "alert=KERNDTLB node=R30-M0-N9-C:J16-U01 type=RAS component=KERNEL",
		},
		{
			name:   "BGL SEVERE, FAILURE, other location",
			line:   `- 1118536327 2005.06.11 UNKNOWN_LOCATION 2005-06-11-17.32.07.581048 R30 NULL DISCOVERY FAILURE`,
			time:   "2005-06-12T00:32:07.581048Z",
			level:  fatal,
			msg:    "",
			fields: "node=UNKNOWN_LOCATION location=R30 type=NULL component=DISCOVERY",
		},
		{
			name:  "BGL-like without a level is not BGL",
			line:  `- 1118536327 2005.06.11 X 2005-06-11-17.32.07.581048 X RAS KERNEL something happened`,
			level: unk,
			msg:   `- 1118536327 2005.06.11 X 2005-06-11-17.32.07.581048 X RAS KERNEL something happened`,
		},
		{
			name:   "HPC",
			line:   `134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change: Component \042alt0\042 is in the unavailable state (HWID=1973)`,
			time:   "2004-02-26T14:12:22Z",
			msg:    `Component State Change: Component \042alt0\042 is in the unavailable state (HWID=1973)`,
			fields: "id=134681 node=node-246 component=unix.hw state=state_change.unavailable flag=1",
		},
		{
			name:   "HPC negative flag",
			line:   `94573 Interconnect-0N01 partition boot 1077646914 -1 Linkerror event interval expired`,
			time:   "2004-02-24T18:21:54Z",
			msg:    `Linkerror event interval expired`,
			fields: "id=94573 node=Interconnect-0N01 component=partition state=boot flag=-1",
		},
		{
			name: "digits then words is not HPC",
			line: `12345 apples were counted by 1077646914 people in total`,
			msg:  `12345 apples were counted by 1077646914 people in total`,
		},
		{
			name:   "Windows CBS",
			line:   `2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505 with Core: C:\Windows\winsxs\cbscore.dll`,
			time:   "2016-09-28T04:30:30Z",
			level:  info,
			msg:    `Loaded Servicing Stack v6.1.7601.23505 with Core: C:\Windows\winsxs\cbscore.dll`,
			fields: "component=CBS",
		},
		{
			name:   "Windows CSI warning",
			line:   `2016-09-28 04:30:31, Warning               CSI    00000001@2016/9/27:20:30:31.455 WcpInitialize called`,
			time:   "2016-09-28T04:30:31Z",
			level:  warn,
			msg:    `00000001@2016/9/27:20:30:31.455 WcpInitialize called`,
			fields: "component=CSI",
		},
		{
			name:  "comma then level without padded columns",
			line:  `2026-01-02 15:04:05, ERROR disk full`,
			time:  "2026-01-02T15:04:05Z",
			level: erro,
			msg:   `disk full`,
		},
		{
			name: "comma then prose is not a format",
			line: `2026-01-02 15:04:05, something else`,
			msg:  `2026-01-02 15:04:05, something else`,
		},
		{
			name:   "Proxifier",
			line:   `[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS`,
			time:   "2025-10-30T16:49:06Z",
			msg:    `proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS`,
			fields: "program=chrome.exe",
		},
		{
			name:   "Proxifier 64-bit program",
			line:   `[07.26 14:57:27] chrome.exe *64 - long.open.weixin.qq.com:443 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS`,
			time:   "2025-07-26T14:57:27Z",
			msg:    `long.open.weixin.qq.com:443 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS`,
			fields: "program=chrome.exe *64",
		},
		{
			name:  "month.day time without a program column",
			line:  `[07.26 14:57:27] WARN disk almost full`,
			time:  "2025-07-26T14:57:27Z",
			level: warn,
			msg:   `disk almost full`,
		},
	})
}
