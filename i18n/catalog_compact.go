package i18n

// compactEntries are the strings of `fieldcrm compact` and `fieldcrm
// backup`, which both write only a book's live pages.
var compactEntries = []entry{
	{"compact.done", "Compacted %s: %s before, %s after.", "已压缩 %s：压缩前 %s，压缩后 %s。"},
	{"compact.auto", "Compacted the book after the sync: %s before, %s after.", "同步后已压缩数据库：压缩前 %s，压缩后 %s。"},
	{"compact.background", "Compacting the book in the background (pid %d); other fieldcrm commands wait for it.", "正在后台压缩数据库（进程 %d）；其他 fieldcrm 命令会等待其完成。"},
	{"backup.done", "Backed up %s (%s) to %s (%s: live pages only).", "已将 %s（%s）备份到 %s（%s：仅含有效数据页）。"},
	// The bars while a big book's copy is written (seconds), in MB.
	{"compact.progress", "compacting the book (MB)", "正在压缩数据库（MB）"},
	{"backup.progress", "backing up the book (MB)", "正在备份数据库（MB）"},
	// The bars of a migration that builds the search index and of an
	// import.
	{"search.building", "building the book's indexes", "正在建立账本索引"},
	{"import.progress", "importing", "正在导入"},
}

// watchdogEntries is the sentence a command stops with when reading a
// book takes more memory than any book needs (cmd/fieldcrm/watchdog.go).
var watchdogEntries = []entry{
	{"watchdog.stop", "stopped: reading %s took more than %d MiB of memory, which no book needs; it may be damaged: 'fieldcrm doctor' checks it",
		"已停止：读取 %s 占用了超过 %d MiB 的内存，任何数据库都用不了这么多；它可能已损坏：'fieldcrm doctor' 可以检查它"},
}

// uiQuitEntries is the sentence the terminal UI ends with when a save
// still waits for the book after it quit (cmd/fieldcrm/ui.go).
var uiQuitEntries = []entry{
	{"ui.unsaved", "a change made in the terminal UI was still waiting to be saved after %s; run fieldcrm again and check it",
		"终端界面中的一处修改在 %s 后仍在等待保存；请再次运行 fieldcrm 并检查它"},
}

// profileEntries is the warning of a process asked for a CPU profile it
// cannot write (cmd/fieldcrm/cpuprofile.go).
var profileEntries = []entry{
	{"profile.failed", "fieldcrm: no CPU profile written (%s): %v; the command runs without one",
		"fieldcrm：未写入 CPU 性能分析文件（%s）：%v；命令照常运行"},
}
