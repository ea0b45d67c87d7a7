// A C interface to dlib 19.24's face models: the CNN (MMOD) and HOG face detectors, the
// 5-point shape predictor that aligns faces, and the ResNet that maps an aligned 150x150
// face chip to a 128-D embedding.
//
// Conventions:
// - Images are 8-bit RGB, row-major, three bytes per pixel, `stride` bytes per row.
// - Every function that can fail returns a `dlibfaces_status` and, on failure, writes a
//   NUL-terminated message into `error` (at most `error_capacity` bytes, truncated).
//   No C++ exception ever leaves these functions.
// - Thread safety: a handle is not thread-safe. Use each handle from one thread at a time
//   (a lock around every call is enough); separate handles may run in parallel.
//   Loading a handle is safe from any thread.
#ifndef DLIBFACES_H
#define DLIBFACES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The result of a call.
typedef enum {
    DLIBFACES_OK = 0,
    /// A null pointer, a non-positive size or an unknown enum value was passed.
    DLIBFACES_INVALID_ARGUMENT = 1,
    /// A model file is missing, unreadable or does not match the network definition.
    DLIBFACES_MODEL_LOAD_FAILED = 2,
    /// dlib raised an error while computing.
    DLIBFACES_COMPUTE_FAILED = 3,
    /// An allocation failed.
    DLIBFACES_OUT_OF_MEMORY = 4,
} dlibfaces_status;

/// The face detector to run.
typedef enum {
    /// dlib's CNN detector (`mmod_human_face_detector.dat`): finds frontal and profile faces
    /// of about 64-80 pixels and larger. It costs about 2 s of CPU time per megapixel,
    /// measured on a 1280x720 input (AMD EPYC with AVX-512, OpenBLAS 0.3.21).
    DLIBFACES_DETECTOR_CNN = 0,
    /// dlib's HOG frontal detector (built in, no file): finds near-frontal faces of about
    /// 80x80 pixels and larger, about 10x cheaper than the CNN, misses profiles.
    DLIBFACES_DETECTOR_HOG = 1,
} dlibfaces_detector;

/// An opaque set of loaded models.
typedef struct dlibfaces_engine dlibfaces_engine;

/// A detected face in pixels of the image passed to `dlibfaces_detect`.
typedef struct {
    float x;
    float y;
    float width;
    float height;
    /// The detector's confidence: the CNN's MMOD score or the HOG detector's SVM score.
    /// Detections are kept when the score is above `threshold_adjustment` (0 by default).
    float score;
} dlibfaces_box;

/// Side of the aligned face chip that the embedding network reads, in pixels.
#define DLIBFACES_CHIP_SIZE 150
/// Dimension of an embedding.
#define DLIBFACES_EMBEDDING_DIMENSION 128
/// Number of landmarks the shape predictor places (eye corners and the base of the nose).
#define DLIBFACES_LANDMARK_COUNT 5

/// Loads the three model files. On success stores a new handle in `*engine` that the
/// caller frees with `dlibfaces_engine_free`; on failure stores NULL. Takes about a second.
dlibfaces_status dlibfaces_engine_load(
    const char *detector_path,
    const char *shape_predictor_path,
    const char *embedder_path,
    dlibfaces_engine **engine,
    char *error,
    size_t error_capacity
);

/// Frees a handle from `dlibfaces_engine_load`. Accepts NULL.
void dlibfaces_engine_free(dlibfaces_engine *engine);

/// Detects faces in an RGB image.
///
/// `upsample_count` doubles the image size that many times before detection (0 to 2) so
/// smaller faces are found, at about 4x the cost per step. Writes up to `box_capacity`
/// boxes, best score first, and stores the number of faces found in `*box_count`, which
/// may exceed `box_capacity` (call again with more room to get them all).
dlibfaces_status dlibfaces_detect(
    dlibfaces_engine *engine,
    const uint8_t *rgb,
    int width,
    int height,
    int stride,
    dlibfaces_detector detector,
    int upsample_count,
    float threshold_adjustment,
    dlibfaces_box *boxes,
    int box_capacity,
    int *box_count,
    char *error,
    size_t error_capacity
);

/// Aligns and embeds faces: for each of `count` boxes (pixels of this image), places the
/// 5 landmarks, cuts the aligned 150x150 chip (dlib's default padding 0.25) and runs the
/// embedding network on all chips as one batch.
///
/// Outputs, each optional (pass NULL to skip), laid out face after face:
/// `landmarks` gets `count * 5` (x, y) pairs (10 floats per face), `chips` gets
/// `count * 150 * 150 * 3` RGB bytes, `embeddings` gets `count * 128` floats.
dlibfaces_status dlibfaces_describe(
    dlibfaces_engine *engine,
    const uint8_t *rgb,
    int width,
    int height,
    int stride,
    const dlibfaces_box *boxes,
    int count,
    float *landmarks,
    uint8_t *chips,
    float *embeddings,
    char *error,
    size_t error_capacity
);

#ifdef __cplusplus
}
#endif

#endif
