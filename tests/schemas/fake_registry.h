// A fake HttpTransport for schema-registry unit tests: canned answers per "METHOD path" and a
// record of every request, safe to use from several threads.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kstreams/schema_registry.h"

namespace kstreams::testing_support {

class FakeRegistryTransport : public HttpTransport {
 public:
  static constexpr const char* kBase = "http://registry.test/apis/ccompat/v7";

  // Answers "METHOD path" (path below kBase, query included) with `status` and `body`.
  void answer(const std::string& method, const std::string& path, int status, std::string body) {
    std::lock_guard<std::mutex> lock(mutex_);
    answers_[method + " " + std::string(kBase) + path] = HttpResponse{status, std::move(body)};
  }
  // Every request fails as if the registry were down.
  void setDown(bool down) {
    std::lock_guard<std::mutex> lock(mutex_);
    down_ = down;
  }

  HttpResponse send(const HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    if (down_) {
      throw SchemaRegistryException("schema registry unreachable: " + request.method + " " +
                                        request.url + ": Couldn't connect to server",
                                    0, 0);
    }
    auto it = answers_.find(request.method + " " + request.url);
    if (it == answers_.end())
      return HttpResponse{404, R"({"error_code":404,"message":"no route"})"};
    return it->second;
  }

  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  size_t count(const std::string& method, const std::string& path) const {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = 0;
    for (const auto& r : requests_) n += r.method == method && r.url == std::string(kBase) + path;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, HttpResponse> answers_;
  std::vector<HttpRequest> requests_;
  bool down_ = false;
};

}  // namespace kstreams::testing_support
