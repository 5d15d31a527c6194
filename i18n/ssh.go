package i18n

// sshEntries are what fieldcrm's SSH front (package sshd) says to a
// session: why it was refused or ended, and what went wrong before the UI.
var sshEntries = []entry{
	{"ssh.refused.per_user", "fieldcrm: you have the most SSH sessions open at once that the server allows; close one and try again.",
		"fieldcrm：您同时打开的 SSH 会话已达服务器允许的上限；请关闭一个后再试。"},
	{"ssh.refused.total", "fieldcrm: the server has as many SSH sessions open as it allows; try again in a few minutes.",
		"fieldcrm：服务器打开的 SSH 会话已达上限；请过几分钟再试。"},
	{"ssh.refused.command", "fieldcrm: over SSH you can run only today, lead list, lead show and report (with --json); anything else, in the UI: ssh without a command.",
		"fieldcrm：通过 SSH 只能运行 today、lead list、lead show 和 report（可加 --json）；其他操作请在界面中进行：ssh 时不带命令。"},
	{"ssh.refused.env", "fieldcrm: your SSH client sent more than 1000 environment variables; fieldcrm reads only LANG, LC_ALL, LC_MESSAGES, FIELDCRM_LANG, TERM and TZ: send only those (SendEnv in ~/.ssh/config).",
		"fieldcrm：您的 SSH 客户端发送了超过 1000 个环境变量；fieldcrm 只读取 LANG、LC_ALL、LC_MESSAGES、FIELDCRM_LANG、TERM 和 TZ：请只发送这些（~/.ssh/config 中的 SendEnv）。"},
	{"ssh.refused.long_cmd", "fieldcrm: the command is longer than 4096 bytes; over SSH you can run only today, lead list, lead show and report (with --json).",
		"fieldcrm：命令超过 4096 字节；通过 SSH 只能运行 today、lead list、lead show 和 report（可加 --json）。"},
	{"ssh.refused.channel", "fieldcrm: one session at a time on a connection; open another connection.",
		"fieldcrm：一个连接同时只能有一个会话；请另开一个连接。"},
	{"ssh.ended.idle", "fieldcrm: the session ended after a long time without a key; connect again to go on.",
		"fieldcrm：会话长时间没有按键，已结束；请重新连接以继续。"},
	{"ssh.ended.revoked", "fieldcrm: the session ended because your SSH key was removed or your account disabled; ask your administrator.",
		"fieldcrm：您的 SSH 密钥已被移除或账户已停用，会话已结束；请联系管理员。"},
	{"ssh.ended.shutdown", "fieldcrm: the server is stopping; everything you saved is kept, connect again in a moment.",
		"fieldcrm：服务器正在停止；您保存的内容都已保留，请稍后重新连接。"},
	{"ssh.no_terminal", "fieldcrm: the UI needs a terminal: connect with ssh -t, or give a command such as today --json.",
		"fieldcrm：界面需要终端：请用 ssh -t 连接，或指定命令，例如 today --json。"},
	{"ssh.replica_failed", "fieldcrm: your book on the server could not be opened; the server's log says why, ask your administrator.",
		"fieldcrm：无法打开您在服务器上的数据库；原因见服务器日志，请联系管理员。"},
	{"ssh.opening", "fieldcrm: opening your book on the server; the first time it is fetched whole, which can take a while…",
		"fieldcrm：正在打开您在服务器上的数据库；首次需要完整获取，可能需要一些时间……"},
	{"ssh.sync_failed", "fieldcrm: warning: the sync before this command failed; what follows may be a little old.",
		"fieldcrm：警告：运行此命令前的同步失败；以下内容可能稍旧。"},
	{"ssh.rate_limited", "fieldcrm: too many failed sign-ins from your address; wait %d s and try again.",
		"fieldcrm：您的地址登录失败次数过多，请等待 %d 秒后再试。"},
}
