/*
 * The Go Live media send path's two per-packet costs, done natively (docs/golive-open-points.md,
 * "Transport CPU"): sealing a packet with aead_aes256_gcm_rtpsize, and handing a burst of
 * datagrams to the kernel. From JavaScript each packet costs a fresh cipher object, five native
 * calls and new buffers (the garbage behind most full GCs), and each datagram its own send call.
 * Here one long-lived AES-256-GCM context per connection seals into a caller-owned buffer, and one
 * sendmmsg(2) sends a whole burst, its runs of equal-sized datagrams segmented by the kernel (UDP
 * GSO) so a video frame crosses the network stack a few times instead of once per packet.
 *
 * Built by scripts/build-native.ts; loaded by src/worker/golive/native-media-send.ts, which falls
 * back to Node's crypto and dgram when this module is missing. Both paths produce the same bytes
 * (test/worker/golive/native-media-send.test.ts holds them to it).
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * OpenSSL 3's EVP interface. Node links OpenSSL statically and exports it to addons, so these
 * resolve against the very library Node's own crypto uses; the module is never linked against a
 * second libcrypto. Declared here because node-api-headers ships no OpenSSL headers; these calls
 * and EVP_CTRL_GCM_GET_TAG are part of OpenSSL 3's stable ABI.
 */
typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_cipher_st EVP_CIPHER;
typedef struct engine_st ENGINE;
extern EVP_CIPHER_CTX *EVP_CIPHER_CTX_new(void);
extern void EVP_CIPHER_CTX_free(EVP_CIPHER_CTX *ctx);
extern const EVP_CIPHER *EVP_aes_256_gcm(void);
extern int EVP_EncryptInit_ex(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher, ENGINE *engine,
                              const unsigned char *key, const unsigned char *iv);
extern int EVP_EncryptUpdate(EVP_CIPHER_CTX *ctx, unsigned char *out, int *out_length,
                             const unsigned char *in, int in_length);
extern int EVP_EncryptFinal_ex(EVP_CIPHER_CTX *ctx, unsigned char *out, int *out_length);
extern int EVP_CIPHER_CTX_ctrl(EVP_CIPHER_CTX *ctx, int type, int arg, void *ptr);
#define EVP_CTRL_GCM_GET_TAG 0x10

#define KEY_BYTES 32
#define NONCE_BYTES 12
#define TAG_BYTES 16
#define NONCE_SUFFIX_BYTES 4
/* Datagrams per sendmmsg call, and parts (iovecs) per datagram. */
#define BATCH_DATAGRAMS 64
#define MAX_PARTS 4

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static void free_context(napi_env env, void *context, void *hint) {
  (void)env;
  (void)hint;
  EVP_CIPHER_CTX_free((EVP_CIPHER_CTX *)context);
}

/* createSealer(key: 32-byte Buffer): an opaque AES-256-GCM context with the key schedule set. */
static napi_value create_sealer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *key;
  size_t key_length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_buffer_info(env, argv[0], &key, &key_length) != napi_ok || key_length != KEY_BYTES)
    return fail(env, "createSealer(key) takes a 32-byte Buffer");
  EVP_CIPHER_CTX *context = EVP_CIPHER_CTX_new();
  if (context == NULL || EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), NULL, key, NULL) != 1) {
    EVP_CIPHER_CTX_free(context);
    return fail(env, "OpenSSL has no AES-256-GCM");
  }
  napi_value sealer;
  if (napi_create_external(env, context, free_context, NULL, &sealer) != napi_ok) {
    EVP_CIPHER_CTX_free(context);
    return fail(env, "could not wrap the AES-256-GCM context");
  }
  return sealer;
}

/*
 * seal(sealer, header, body, counter, out, offset): writes header | ciphertext | tag | counter
 * (big-endian) at out[offset], the rtpsize layout, and returns its length. The 12-byte nonce is the
 * counter followed by eight zero bytes.
 */
static napi_value seal(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  EVP_CIPHER_CTX *context;
  void *header, *body, *out;
  size_t header_length, body_length, out_length;
  uint32_t counter, offset;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6 ||
      napi_get_value_external(env, argv[0], (void **)&context) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &header, &header_length) != napi_ok ||
      napi_get_buffer_info(env, argv[2], &body, &body_length) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &counter) != napi_ok ||
      napi_get_buffer_info(env, argv[4], &out, &out_length) != napi_ok ||
      napi_get_value_uint32(env, argv[5], &offset) != napi_ok)
    return fail(env, "seal(sealer, header, body, counter, out, offset)");
  if (header_length > INT32_MAX || body_length > INT32_MAX)
    return fail(env, "seal: packet too large");
  size_t sealed_length = header_length + body_length + TAG_BYTES + NONCE_SUFFIX_BYTES;
  if (offset > out_length || out_length - offset < sealed_length)
    return fail(env, "seal: no room in the output buffer");

  unsigned char nonce[NONCE_BYTES] = {0};
  nonce[0] = (unsigned char)(counter >> 24);
  nonce[1] = (unsigned char)(counter >> 16);
  nonce[2] = (unsigned char)(counter >> 8);
  nonce[3] = (unsigned char)counter;
  unsigned char *at = (unsigned char *)out + offset;
  unsigned char *ciphertext = at + header_length;
  int written = 0;
  memmove(at, header, header_length);
  /* A new nonce on the same context keeps the key schedule: the per-packet saving. */
  if (EVP_EncryptInit_ex(context, NULL, NULL, NULL, nonce) != 1 ||
      EVP_EncryptUpdate(context, NULL, &written, header, (int)header_length) != 1 ||
      EVP_EncryptUpdate(context, ciphertext, &written, body, (int)body_length) != 1 ||
      EVP_EncryptFinal_ex(context, ciphertext + written, &written) != 1 ||
      EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, ciphertext + body_length) != 1)
    return fail(env, "seal: AES-256-GCM failed");
  memcpy(ciphertext + body_length + TAG_BYTES, nonce, NONCE_SUFFIX_BYTES);
  napi_value result;
  napi_create_uint32(env, (uint32_t)sealed_length, &result);
  return result;
}

/*
 * openUdp4(): a new non-blocking IPv4 UDP socket's descriptor, for dgram's bind({ fd }). Node's
 * socket then owns it (receives, connect, close) and sendBatch writes to the same descriptor.
 */
static napi_value open_udp4(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(env, strerror(errno));
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

/*
 * UDP generic segmentation offload (Linux 4.18+): a run of equal-sized datagrams, optionally ended
 * by one shorter datagram, goes to the kernel as one message that the stack (or the NIC) cuts
 * into datagrams of that size. An H.264 NAL's FU-A fragments are cut evenly, so a video frame is a
 * run or two, and it crosses the stack once instead of once per packet. Linux accepts up to 64
 * segments (older kernels) and 64 KB per message.
 */
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#define GSO_MAX_SEGMENTS 64
#define GSO_MAX_BYTES 65000
/* Set once a segmented send fails for a reason plain sends would not have (no UDP_SEGMENT, no
 * checksum offload on the route, an MTU smaller than a segment): every send after is plain. */
static int gso_unusable = 0;

static int gso_refusal(int error) {
  return error == EINVAL || error == EIO || error == ENOPROTOOPT || error == EOPNOTSUPP;
}

/*
 * sendBatch(fd, datagrams, from, to): sends datagrams[from..to) (each an array of 1-4 Buffers,
 * gathered into one datagram) on the connected socket, at most 64 per call, without blocking.
 * Returns how many the kernel took, or -errno when it took none (EAGAIN: the socket buffer is
 * full; ECONNREFUSED and the like: the far end refused earlier datagrams). What arrives is the
 * same with or without segmentation: each datagram alone, whole and in order.
 */
static napi_value send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd;
  uint32_t from, to;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &from) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &to) != napi_ok)
    return fail(env, "sendBatch(fd, datagrams, from, to)");
  uint32_t count = to > from ? to - from : 0;
  if (count > BATCH_DATAGRAMS) count = BATCH_DATAGRAMS;
  struct iovec parts[BATCH_DATAGRAMS * MAX_PARTS];
  uint32_t first_part[BATCH_DATAGRAMS + 1];
  size_t bytes[BATCH_DATAGRAMS];
  uint32_t used = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value datagram;
    uint32_t part_count;
    if (napi_get_element(env, argv[1], from + i, &datagram) != napi_ok ||
        napi_get_array_length(env, datagram, &part_count) != napi_ok || part_count == 0 ||
        part_count > MAX_PARTS)
      return fail(env, "sendBatch: each datagram is an array of 1 to 4 Buffers");
    first_part[i] = used;
    bytes[i] = 0;
    for (uint32_t p = 0; p < part_count; p++, used++) {
      napi_value part;
      if (napi_get_element(env, datagram, p, &part) != napi_ok ||
          napi_get_buffer_info(env, part, &parts[used].iov_base, &parts[used].iov_len) != napi_ok)
        return fail(env, "sendBatch: a datagram part is not a Buffer");
      bytes[i] += parts[used].iov_len;
    }
  }
  first_part[count] = used;

  struct mmsghdr messages[BATCH_DATAGRAMS];
  uint32_t segments[BATCH_DATAGRAMS];
  union {
    char buffer[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } controls[BATCH_DATAGRAMS];
  int with_gso = !gso_unusable;
  uint32_t message_count;
  /* Twice at most: a refused segmented send is built again without segmentation. */
  for (;;) {
    message_count = 0;
    for (uint32_t i = 0; i < count;) {
      /* A run: datagrams as big as the first, then at most one smaller one to close it. */
      uint32_t n = 1;
      size_t total = bytes[i];
      while (with_gso && i + n < count && n < GSO_MAX_SEGMENTS && total + bytes[i + n] <= GSO_MAX_BYTES &&
             bytes[i + n] <= bytes[i]) {
        total += bytes[i + n];
        n++;
        if (bytes[i + n - 1] < bytes[i]) break;
      }
      struct mmsghdr *message = &messages[message_count];
      memset(message, 0, sizeof *message);
      message->msg_hdr.msg_iov = &parts[first_part[i]];
      message->msg_hdr.msg_iovlen = first_part[i + n] - first_part[i];
      if (n > 1) {
        struct cmsghdr *control = (struct cmsghdr *)controls[message_count].buffer;
        control->cmsg_level = SOL_UDP;
        control->cmsg_type = UDP_SEGMENT;
        control->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t segment_size = (uint16_t)bytes[i];
        memcpy(CMSG_DATA(control), &segment_size, sizeof segment_size);
        message->msg_hdr.msg_control = control;
        message->msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
      }
      segments[message_count++] = n;
      i += n;
    }
    int sent = message_count == 0 ? 0 : sendmmsg(fd, messages, message_count, MSG_DONTWAIT);
    if (sent < 0 && with_gso && segments[0] > 1 && gso_refusal(errno)) {
      gso_unusable = 1;
      with_gso = 0;
      continue;
    }
    int datagrams = 0;
    for (int m = 0; m < sent; m++) datagrams += (int)segments[m];
    napi_value result;
    napi_create_int32(env, sent < 0 ? -errno : datagrams, &result);
    return result;
  }
}

NAPI_MODULE_INIT() {
  napi_property_descriptor functions[] = {
      {"createSealer", NULL, create_sealer, NULL, NULL, NULL, napi_enumerable, NULL},
      {"seal", NULL, seal, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openUdp4", NULL, open_udp4, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendBatch", NULL, send_batch, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions) != napi_ok)
    return NULL;
  return exports;
}
