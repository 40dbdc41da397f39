/* The contract is the header; this file exists so SwiftPM builds the target as a C module. */
#include "recbench_plugin.h"
