// kb-server: configuration, wiring and signal handling only.
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "core/lexicon.h"
#include "core/revision.h"
#include "core/text.h"
#include "core/token_command.h"
#include "core/tokens.h"
#include "server/config.h"
#include "server/http_server.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "token") {
    return kb::run_token_command("kb-server", std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr);
  }
  auto config = kb::load_server_config(std::vector<std::string>(argv + 1, argv + argc));
  if (!config) {
    if (config.status().message() == "help") {
      std::cout << kb::kServerUsage;
      return 0;
    }
    std::cerr << "kb-server: " << config.status().message() << "\nTry 'kb-server --help'.\n";
    return 2;
  }
  // Block the stop signals in every thread; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto templates = kb::Templates::load(config->templates_dir);
  if (!templates) {
    std::cerr << "kb-server: " << templates.status().message() << '\n';
    return 2;
  }
  kb::IndexLayout layout(config->index_dir);
  std::unique_ptr<kb::TokenStore> tokens;
  try {
    std::filesystem::create_directories(layout.root());
    tokens = std::make_unique<kb::TokenStore>(layout.auth_db());
  } catch (const std::exception& e) {
    std::cerr << "kb-server: cannot open agent tokens in " << layout.auth_db() << ": " << e.what() << '\n';
    return 2;
  }
  std::unique_ptr<kb::Analytics> analytics;
  const auto analytics_db = layout.root() / kb::Analytics::kFileName;
  try {
    kb::AnalyticsOptions options;
    options.search_log_days = config->search_log_days;
    analytics = std::make_unique<kb::Analytics>(analytics_db, options);
  } catch (const std::exception& e) {
    // Serving matters more than counting: go on without views and votes.
    std::cerr << "kb-server: warning: cannot open " << analytics_db << " (" << e.what()
              << "); article views, feedback and searches are not recorded\n";
  }
  // Load the dictionaries now (Hunspell Polish takes ~0.2 s), not on the
  // first visitor's query.
  kb::analysis::Lexicon::shared();
  kb::SearchService search(layout, kb::SearchService::kDefaultCachedSearches, config->shards);
  // Build the current revision's suggestions now too (0.4 s on 7,800
  // articles), not on the first visitor's keystroke.
  if (search.revision()) (void)search.suggester();
  // And each later revision's as soon as kb-index publishes it.
  kb::SuggestionWarmer warmer(search, std::chrono::milliseconds(250));
  if (!search.revision()) {
    std::cerr << "kb-server: warning: no index in " << config->index_dir
              << " yet; serving 503 until kb-index publishes one\n";
  }
  kb::Metrics metrics;
  kb::AppOptions app_options;
  app_options.site_name = config->site_name;
  app_options.public_rate = config->rate_limit;
  app_options.public_burst = 5.0 * config->rate_limit;
  app_options.staff_rate = config->staff_rate_limit;
  app_options.staff_burst = 5.0 * config->staff_rate_limit;
  // A few worker threads are kept for agents whatever the public does.
  app_options.public_slots = std::max(1, config->threads - std::max(1, config->threads / 8));
  app_options.real_ip_header = config->real_ip_header;
  app_options.embed_origins = config->embed_origins;
  app_options.base_url = config->base_url;
  app_options.contact_url = config->contact_url;
  app_options.real_ip_header = kb::ascii_lower(app_options.real_ip_header);
  kb::App app(search, tokens.get(), *templates, metrics, app_options, analytics.get());
  kb::HttpServer server(app, {config->host, config->port, config->threads, config->access_log});
  auto port = server.bind();
  if (!port) {
    std::cerr << "kb-server: " << port.status().message() << '\n';
    return 2;
  }
  std::cerr << "kb-server: serving " << config->index_dir << " on http://" << config->host << ':' << *port << "/\n";

  std::thread signal_waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cerr << "kb-server: stopping\n";
    server.stop();
  });
  const bool ok = server.serve();
  // serve() may also return on a listen failure: wake the waiter to exit.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  return ok ? 0 : 1;
}
