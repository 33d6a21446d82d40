// The libcurl HttpTransport: the one place where libcurl's error codes become
// SchemaRegistryException (as kafka_handles.h is for librdkafka's). Easy handles are RAII and
// pooled, so concurrent requests each get their own handle and sequential ones reuse the
// kept-alive connection of the last.
#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "kstreams/schema_registry.h"

namespace kstreams {
namespace {

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// curl_global_init is not thread-safe: run it once, before the first handle.
void globalInit() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (code != CURLE_OK) {
    throw SchemaRegistryException(
        std::string("libcurl initialisation failed: ") + curl_easy_strerror(code), 0, 0);
  }
}

size_t appendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

class CurlHttpTransport final : public HttpTransport {
 public:
  explicit CurlHttpTransport(std::chrono::milliseconds timeout) : timeout_(timeout) {
    globalInit();
    Slist headers;
    for (const char* h : {"Content-Type: application/vnd.schemaregistry.v1+json",
                          "Accept: application/vnd.schemaregistry.v1+json, application/json"}) {
      curl_slist* appended = curl_slist_append(headers.get(), h);
      if (appended == nullptr) throw SchemaRegistryException("libcurl: out of memory", 0, 0);
      headers.release();
      headers.reset(appended);
    }
    headers_ = std::move(headers);
  }

  HttpResponse send(const HttpRequest& request) override {
    EasyHandle handle = acquire();
    CURL* curl = handle.get();
    curl_easy_reset(curl);
    HttpResponse response;
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers_.get());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for timeouts: stream threads
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &appendBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    const CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
      // The handle may hold a broken connection: drop it rather than pool it.
      throw SchemaRegistryException("schema registry unreachable: " + request.method + " " +
                                        request.url + ": " + curl_easy_strerror(code),
                                    0, 0);
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    release(std::move(handle));
    return response;
  }

 private:
  EasyHandle acquire() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!pool_.empty()) {
        EasyHandle handle = std::move(pool_.back());
        pool_.pop_back();
        return handle;
      }
    }
    EasyHandle handle(curl_easy_init());
    if (!handle) throw SchemaRegistryException("libcurl: curl_easy_init failed", 0, 0);
    return handle;
  }

  void release(EasyHandle handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pool_.size() < kMaxPooled) pool_.push_back(std::move(handle));
  }

  static constexpr size_t kMaxPooled = 8;
  const std::chrono::milliseconds timeout_;
  Slist headers_;  // read-only after construction, shared by every request
  std::mutex mutex_;
  std::vector<EasyHandle> pool_;
};

}  // namespace

std::shared_ptr<HttpTransport> makeCurlHttpTransport(std::chrono::milliseconds timeout) {
  return std::make_shared<CurlHttpTransport>(timeout);
}

}  // namespace kstreams
