/*
 * A private memory mapping of a file, for the benchmarks' mmap column.
 *
 *   map(path, length)       -> handle   mmap(PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_NORESERVE)
 *   unmap(handle)                       munmap now (also done when the handle is collected)
 *   buffer(handle)          -> Buffer   over the whole mapping (length <= buffer.constants.MAX_LENGTH);
 *                                       it must not be used after unmap
 *   getUint8(handle, offset), setUint8(handle, offset, value)   any offset, for huge mappings
 *   touch(handle, offsets)  -> sum      loads one byte at each offset of a Float64Array
 *
 * MAP_PRIVATE: stores stay private copies (copy-on-write), nothing ever
 * reaches the file. MAP_NORESERVE: a private writable mapping larger than
 * RAM + swap is refused by the kernel's overcommit heuristic without it.
 *
 * The file server's mmap store (fileserver/mmap-store.ts) needs the other
 * kind, whose stores reach the file:
 *
 *   mapShared(path, length, writable) -> handle   mmap(PROT_READ[|PROT_WRITE], MAP_SHARED)
 *   sync(handle)                                  msync(MS_SYNC) of the whole mapping
 *   pageSize                                      the system page size (msync's unit)
 *
 * A read-only shared mapping (writable false) is PROT_READ: a store into it
 * would kill the process with SIGSEGV, so the caller must refuse stores
 * before they reach the mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
  uint8_t *addr;
  size_t length;
} Mapping;

#define CHECK(env, call)                                   \
  do {                                                     \
    if ((call) != napi_ok) {                               \
      napi_throw_error((env), NULL, "N-API call failed: " #call); \
      return NULL;                                         \
    }                                                      \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int code) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(code));
  napi_throw_error(env, NULL, message);
  return NULL;
}

static void release(Mapping *m) {
  if (m->addr != NULL) munmap(m->addr, m->length);
  m->addr = NULL;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  release((Mapping *)data);
  free(data);
}

static Mapping *mapping_arg(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "handle: expected a mapping from map()");
    return NULL;
  }
  Mapping *m = (Mapping *)data;
  if (m->addr == NULL) {
    napi_throw_error(env, NULL, "handle: mapping was unmapped");
    return NULL;
  }
  return m;
}

static int offset_arg(napi_env env, napi_value value, const Mapping *m, size_t *out) {
  int64_t offset = 0;
  if (napi_get_value_int64(env, value, &offset) != napi_ok || offset < 0 || (uint64_t)offset >= m->length) {
    napi_throw_range_error(env, NULL, "offset: outside the mapping");
    return 0;
  }
  *out = (size_t)offset;
  return 1;
}

/* map(path, length) and mapShared(path, length, writable) share this: open, mmap, wrap in a handle. */
static napi_value map_file(napi_env env, napi_value path_value, napi_value length_value, int shared, int writable) {
  char path[4096];
  size_t path_length = 0;
  if (napi_get_value_string_utf8(env, path_value, path, sizeof path, &path_length) != napi_ok) {
    napi_throw_type_error(env, NULL, "path: expected a string");
    return NULL;
  }
  int64_t length = 0;
  if (napi_get_value_int64(env, length_value, &length) != napi_ok || length <= 0) {
    napi_throw_range_error(env, NULL, "length: must be positive");
    return NULL;
  }
  int fd = open(path, (shared && writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open", errno);
  int protection = shared && !writable ? PROT_READ : PROT_READ | PROT_WRITE;
  int flags = shared ? MAP_SHARED : MAP_PRIVATE | MAP_NORESERVE;
  void *addr = mmap(NULL, (size_t)length, protection, flags, fd, 0);
  int code = errno;
  close(fd);
  if (addr == MAP_FAILED) return throw_errno(env, "mmap", code);
  Mapping *m = malloc(sizeof *m);
  if (m == NULL) {
    munmap(addr, (size_t)length);
    return throw_errno(env, "malloc", ENOMEM);
  }
  m->addr = addr;
  m->length = (size_t)length;
  napi_value handle;
  if (napi_create_external(env, m, finalize, NULL, &handle) != napi_ok) {
    finalize(env, m, NULL);
    napi_throw_error(env, NULL, "napi_create_external failed");
    return NULL;
  }
  return handle;
}

static napi_value map(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "map(path, length)");
    return NULL;
  }
  return map_file(env, argv[0], argv[1], 0, 1);
}

static napi_value map_shared(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool writable = false;
  if (argc < 3 || napi_get_value_bool(env, argv[2], &writable) != napi_ok) {
    napi_throw_type_error(env, NULL, "mapShared(path, length, writable)");
    return NULL;
  }
  return map_file(env, argv[0], argv[1], 1, writable);
}

static napi_value sync_mapping(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return NULL;
  Mapping *m = mapping_arg(env, argv[0]);
  if (m == NULL) return NULL;
  if (msync(m->addr, m->length, MS_SYNC) != 0) return throw_errno(env, "msync", errno);
  return NULL;
}

static napi_value unmap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "handle: expected a mapping from map()");
    return NULL;
  }
  release((Mapping *)data);
  return NULL;
}

static napi_value buffer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return NULL;
  Mapping *m = mapping_arg(env, argv[0]);
  if (m == NULL) return NULL;
  napi_value result;
  /* No finalizer: the mapping belongs to the handle. */
  if (napi_create_external_buffer(env, m->length, m->addr, NULL, NULL, &result) != napi_ok) {
    napi_throw_range_error(env, NULL, "buffer: mapping too large for a Buffer");
    return NULL;
  }
  return result;
}

static napi_value get_uint8(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return NULL;
  Mapping *m = mapping_arg(env, argv[0]);
  size_t offset;
  if (m == NULL || !offset_arg(env, argv[1], m, &offset)) return NULL;
  napi_value result;
  CHECK(env, napi_create_uint32(env, m->addr[offset], &result));
  return result;
}

static napi_value set_uint8(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return NULL;
  Mapping *m = mapping_arg(env, argv[0]);
  size_t offset;
  uint32_t value = 0;
  if (m == NULL || !offset_arg(env, argv[1], m, &offset)) return NULL;
  CHECK(env, napi_get_value_uint32(env, argv[2], &value));
  m->addr[offset] = (uint8_t)value;
  return NULL;
}

static napi_value touch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return NULL;
  Mapping *m = mapping_arg(env, argv[0]);
  if (m == NULL) return NULL;
  napi_typedarray_type type;
  size_t count = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, argv[1], &type, &count, &data, NULL, NULL) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "offsets: expected a Float64Array");
    return NULL;
  }
  const double *offsets = data;
  uint64_t sum = 0;
  for (size_t i = 0; i < count; i++) {
    double offset = offsets[i];
    if (!(offset >= 0) || offset >= (double)m->length) {
      napi_throw_range_error(env, NULL, "offset: outside the mapping");
      return NULL;
    }
    sum += ((volatile uint8_t *)m->addr)[(size_t)offset];
  }
  napi_value result;
  CHECK(env, napi_create_double(env, (double)sum, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"map", NULL, map, NULL, NULL, NULL, napi_default, NULL},
      {"unmap", NULL, unmap, NULL, NULL, NULL, napi_default, NULL},
      {"buffer", NULL, buffer, NULL, NULL, NULL, napi_default, NULL},
      {"getUint8", NULL, get_uint8, NULL, NULL, NULL, napi_default, NULL},
      {"setUint8", NULL, set_uint8, NULL, NULL, NULL, napi_default, NULL},
      {"touch", NULL, touch, NULL, NULL, NULL, napi_default, NULL},
      {"mapShared", NULL, map_shared, NULL, NULL, NULL, napi_default, NULL},
      {"sync", NULL, sync_mapping, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties));
  napi_value page_size;
  CHECK(env, napi_create_int64(env, sysconf(_SC_PAGESIZE), &page_size));
  CHECK(env, napi_set_named_property(env, exports, "pageSize", page_size));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
