/* whisper.cpp 1.8.5, built by scripts/fetch-speech-models.sh; Package.swift adds its include path. */
#include <whisper.h>
