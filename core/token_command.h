// The `token` subcommand shared by kb-server and kb-index:
//   token create --index DIR --name NAME [--role agent|writer]
//   token list --index DIR
//   token revoke --index DIR --name NAME
// (NAME may also come as the word after create/revoke.) `create` prints the
// new token alone on stdout, once: it is the last word of the output.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace kb {

// `args` are the words after "token". Returns the exit status (2 on usage
// errors, with the message on `err` prefixed by `program`).
int run_token_command(const std::string& program, const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err);

}  // namespace kb
