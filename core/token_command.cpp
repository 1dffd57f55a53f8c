#include "core/token_command.h"

#include <unistd.h>

#include <filesystem>

#include "core/revision.h"
#include "core/tokens.h"

namespace kb {

int run_token_command(const std::string& program, const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err) {
  auto usage = [&](const std::string& message) {
    err << program << ": " << message << "\nTry '" << program << " --help'.\n";
    return 2;
  };
  if (args.empty()) return usage("token needs create, list or revoke");
  const std::string& action = args[0];
  if (action != "create" && action != "list" && action != "revoke") {
    return usage("unknown token command '" + action + "'");
  }
  std::string index, name, role_text = "agent";
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& v) {
      if (i + 1 >= args.size()) return false;
      v = args[++i];
      return true;
    };
    if (a == "--index") {
      if (!value(index)) return usage("--index needs a folder");
    } else if (a == "--name") {
      if (!value(name)) return usage("--name needs a name");
    } else if (a == "--role") {
      if (!value(role_text)) return usage("--role needs agent or writer");
    } else if (a.rfind("--", 0) != 0 && name.empty() && action != "list") {
      name = a;
    } else {
      return usage("unknown argument '" + a + "'");
    }
  }
  if (index.empty()) return usage("token commands need --index DIR");
  const auto role = parse_role(role_text);
  if (!role) return usage("--role must be 'agent' or 'writer', not '" + role_text + "'");
  if (action != "list" && name.empty()) return usage("token " + action + " needs --name NAME");
  IndexLayout layout(index);
  std::error_code ec;
  std::filesystem::create_directories(layout.root(), ec);
  try {
    TokenStore store(layout.auth_db());
    if (action == "create") {
      auto token = store.create(name, *role);
      if (!token) return usage(token.status().message());
      err << "Created " << to_string(*role) << " token '" << name << "'; it is shown only once:\n";
      out << *token << '\n';
      return 0;
    }
    if (action == "revoke") {
      Status s = store.revoke(name);
      if (!s) return usage(s.message());
      err << "Revoked token '" << name << "'; its sessions end now.\n";
      return 0;
    }
    auto list = store.list();
    if (!list) return usage(list.status().message());
    for (const auto& t : *list) {
      out << t.name << '\t' << to_string(t.role) << '\t' << t.created << '\t'
          << (t.last_used.empty() ? "never" : t.last_used) << '\n';
    }
    return 0;
  } catch (const std::exception& e) {
    err << program << ": " << e.what() << '\n';
    return 2;
  }
}

}  // namespace kb
