package sysmon

import (
	"os"
	"path/filepath"
)

// restoreName gives the re-executed process its own name back. Executing
// /proc/self/exe names it "exe" (the kernel takes the command name from the
// file executed), which is what ps, top, pidof and pkill would then show. The
// name is argv[0]'s base, as the first exec made it, cut to the kernel's 15
// bytes. Every thread is renamed: the runtime started some before main, and
// threads started later copy the name of the one that starts them.
func restoreName() {
	name := filepath.Base(os.Args[0])
	if len(name) > 15 {
		name = name[:15]
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return
	}
	for _, t := range tasks {
		_ = os.WriteFile(filepath.Join("/proc/self/task", t.Name(), "comm"), []byte(name), 0)
	}
}
