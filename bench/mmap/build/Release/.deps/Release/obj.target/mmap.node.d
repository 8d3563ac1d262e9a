cmd_Release/obj.target/mmap.node := g++ -o Release/obj.target/mmap.node -shared -pthread -rdynamic -m64  -Wl,-soname=mmap.node -Wl,--start-group Release/obj.target/mmap/mmap.o -Wl,--end-group 
