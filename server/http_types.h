// Plain request and response structs: routes take and return these and know
// nothing of the HTTP library, so they are tested without a socket.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kb {

struct Request {
  std::string method = "GET";
  std::string path;  // decoded, without the query string
  std::multimap<std::string, std::string> params;  // decoded query parameters
  std::map<std::string, std::string> headers;      // keys lowercase
  std::string body;
  std::string remote_addr;  // the peer's address

  // First value of a parameter, or nullptr.
  const std::string* param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? nullptr : &it->second;
  }
  const std::string* header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? nullptr : &it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Names the route for metrics and logs ("api_search", "page_article", ...).
  std::string route = "unknown";
};

}  // namespace kb
