// The thin medbridge executable: every command lives in gateway/app.
#include "gateway/app/Cli.h"

int main(int argc, char** argv) {
  return medbridge::app::runCli(argc, argv);
}
