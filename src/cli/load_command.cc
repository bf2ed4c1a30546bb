#include "cli/commands.h"
namespace vitals::cli {
int RunLoad(int, char**) { return kExitFailure; }
}
