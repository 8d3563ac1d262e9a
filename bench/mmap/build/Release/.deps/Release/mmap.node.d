cmd_Release/mmap.node := ln -f "Release/obj.target/mmap.node" "Release/mmap.node" 2>/dev/null || (rm -rf "Release/mmap.node" && cp -af "Release/obj.target/mmap.node" "Release/mmap.node")
