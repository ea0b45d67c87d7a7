// Implements dlibfaces.h on dlib 19.24. This translation unit includes dlib's DNN headers
// and takes 35-40 s to compile, which is why it is a target of its own.
#include "dlibfaces.h"

#include <dlib/dnn.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace {

// MARK: - Network definitions
//
// Both definitions must match the serialized .dat files layer for layer: these are the ones
// dlib publishes with the models (examples/dnn_mmod_face_detection_ex.cpp and
// examples/dnn_face_recognition_ex.cpp in dlib 19.x). Deserialization fails on any mismatch.

namespace detector_net {
using namespace dlib;

template <long num_filters, typename SUBNET> using con5d = con<num_filters, 5, 5, 2, 2, SUBNET>;
template <long num_filters, typename SUBNET> using con5 = con<num_filters, 5, 5, 1, 1, SUBNET>;

template <typename SUBNET>
using downsampler = relu<affine<con5d<32, relu<affine<con5d<32, relu<affine<con5d<16, SUBNET>>>>>>>>>;
template <typename SUBNET> using rcon5 = relu<affine<con5<45, SUBNET>>>;

using net_type = loss_mmod<
    con<1, 9, 9, 1, 1, rcon5<rcon5<rcon5<downsampler<input_rgb_image_pyramid<pyramid_down<6>>>>>>>>;
}  // namespace detector_net

namespace embedder_net {
using namespace dlib;

template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual = add_prev1<block<N, BN, 1, tag1<SUBNET>>>;

template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual_down = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<block<N, BN, 2, tag1<SUBNET>>>>>>;

template <int N, template <typename> class BN, int stride, typename SUBNET>
using block = BN<con<N, 3, 3, 1, 1, relu<BN<con<N, 3, 3, stride, stride, SUBNET>>>>>;

template <int N, typename SUBNET> using ares = relu<residual<block, N, affine, SUBNET>>;
template <int N, typename SUBNET> using ares_down = relu<residual_down<block, N, affine, SUBNET>>;

template <typename SUBNET> using alevel0 = ares_down<256, SUBNET>;
template <typename SUBNET> using alevel1 = ares<256, ares<256, ares_down<256, SUBNET>>>;
template <typename SUBNET> using alevel2 = ares<128, ares<128, ares_down<128, SUBNET>>>;
template <typename SUBNET> using alevel3 = ares<64, ares<64, ares<64, ares_down<64, SUBNET>>>>;
template <typename SUBNET> using alevel4 = ares<32, ares<32, ares<32, SUBNET>>>;

using net_type = loss_metric<fc_no_bias<128, avg_pool_everything<
    alevel0<alevel1<alevel2<alevel3<alevel4<
    max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;
}  // namespace embedder_net

// Chips per forward pass of the embedding network; bounds the activation memory.
constexpr size_t embedding_batch_size = 16;

void write_error(char *error, size_t capacity, const std::string &message) {
    if (error == nullptr || capacity == 0) {
        return;
    }
    size_t length = std::min(message.size(), capacity - 1);
    std::memcpy(error, message.data(), length);
    error[length] = '\0';
}

// Copies a strided RGB buffer into a dlib image.
dlib::matrix<dlib::rgb_pixel> make_image(const uint8_t *rgb, int width, int height, int stride) {
    dlib::matrix<dlib::rgb_pixel> image(height, width);
    for (int row = 0; row < height; ++row) {
        const uint8_t *source = rgb + static_cast<size_t>(row) * static_cast<size_t>(stride);
        for (int column = 0; column < width; ++column) {
            image(row, column) = dlib::rgb_pixel(source[0], source[1], source[2]);
            source += 3;
        }
    }
    return image;
}

bool valid_image(const uint8_t *rgb, int width, int height, int stride) {
    return rgb != nullptr && width > 0 && height > 0 && stride >= width * 3;
}

// Runs `body`, turning every C++ exception into a status and a message.
template <typename Body>
dlibfaces_status guarded(const char *function, char *error, size_t capacity, Body body) {
    try {
        return body();
    } catch (const std::bad_alloc &) {
        write_error(error, capacity, std::string(function) + ": out of memory");
        return DLIBFACES_OUT_OF_MEMORY;
    } catch (const std::exception &exception) {
        std::string what = exception.what();
        if (what.empty()) {
            what = "dlib raised an error without a message";
        }
        write_error(error, capacity, std::string(function) + ": " + what);
        return DLIBFACES_COMPUTE_FAILED;
    } catch (...) {
        write_error(error, capacity, std::string(function) + ": unknown C++ exception");
        return DLIBFACES_COMPUTE_FAILED;
    }
}

}  // namespace

struct dlibfaces_engine {
    detector_net::net_type detector;
    dlib::frontal_face_detector hog_detector = dlib::get_frontal_face_detector();
    dlib::shape_predictor shape_predictor;
    embedder_net::net_type embedder;
};

extern "C" dlibfaces_status dlibfaces_engine_load(
    const char *detector_path,
    const char *shape_predictor_path,
    const char *embedder_path,
    dlibfaces_engine **engine,
    char *error,
    size_t error_capacity
) {
    if (engine == nullptr) {
        write_error(error, error_capacity, "dlibfaces_engine_load: engine is NULL");
        return DLIBFACES_INVALID_ARGUMENT;
    }
    *engine = nullptr;
    if (detector_path == nullptr || shape_predictor_path == nullptr || embedder_path == nullptr) {
        write_error(error, error_capacity, "dlibfaces_engine_load: a model path is NULL");
        return DLIBFACES_INVALID_ARGUMENT;
    }
    return guarded("dlibfaces_engine_load", error, error_capacity, [&]() {
        auto loaded = std::make_unique<dlibfaces_engine>();
        const char *current = detector_path;
        try {
            dlib::deserialize(detector_path) >> loaded->detector;
            current = shape_predictor_path;
            dlib::deserialize(shape_predictor_path) >> loaded->shape_predictor;
            current = embedder_path;
            dlib::deserialize(embedder_path) >> loaded->embedder;
        } catch (const std::bad_alloc &) {
            throw;
        } catch (const std::exception &exception) {
            write_error(
                error,
                error_capacity,
                std::string("dlibfaces_engine_load: cannot load '") + current + "': " + exception.what()
            );
            return DLIBFACES_MODEL_LOAD_FAILED;
        }
        *engine = loaded.release();
        return DLIBFACES_OK;
    });
}

extern "C" void dlibfaces_engine_free(dlibfaces_engine *engine) {
    delete engine;
}

extern "C" dlibfaces_status dlibfaces_detect(
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
) {
    if (engine == nullptr || box_count == nullptr || !valid_image(rgb, width, height, stride)
        || box_capacity < 0 || (boxes == nullptr && box_capacity > 0)) {
        write_error(error, error_capacity, "dlibfaces_detect: invalid engine, image, stride or box buffer");
        return DLIBFACES_INVALID_ARGUMENT;
    }
    if (upsample_count < 0 || upsample_count > 2) {
        write_error(
            error,
            error_capacity,
            "dlibfaces_detect: upsample_count " + std::to_string(upsample_count) + " is outside 0...2"
        );
        return DLIBFACES_INVALID_ARGUMENT;
    }
    if (detector != DLIBFACES_DETECTOR_CNN && detector != DLIBFACES_DETECTOR_HOG) {
        write_error(
            error,
            error_capacity,
            "dlibfaces_detect: unknown detector " + std::to_string(static_cast<int>(detector))
        );
        return DLIBFACES_INVALID_ARGUMENT;
    }
    *box_count = 0;
    return guarded("dlibfaces_detect", error, error_capacity, [&]() {
        dlib::matrix<dlib::rgb_pixel> image = make_image(rgb, width, height, stride);
        for (int step = 0; step < upsample_count; ++step) {
            dlib::pyramid_up(image);
        }
        const double scale = 1.0 / static_cast<double>(1 << upsample_count);

        std::vector<dlibfaces_box> found;
        if (detector == DLIBFACES_DETECTOR_CNN) {
            const std::vector<dlib::mmod_rect> &detections =
                engine->detector.process(image, static_cast<double>(threshold_adjustment));
            for (const dlib::mmod_rect &detection : detections) {
                const dlib::rectangle &rect = detection.rect;
                found.push_back(dlibfaces_box{
                    static_cast<float>(rect.left() * scale),
                    static_cast<float>(rect.top() * scale),
                    static_cast<float>(rect.width() * scale),
                    static_cast<float>(rect.height() * scale),
                    static_cast<float>(detection.detection_confidence),
                });
            }
        } else {
            std::vector<dlib::rect_detection> detections;
            engine->hog_detector(image, detections, static_cast<double>(threshold_adjustment));
            for (const dlib::rect_detection &detection : detections) {
                const dlib::rectangle &rect = detection.rect;
                found.push_back(dlibfaces_box{
                    static_cast<float>(rect.left() * scale),
                    static_cast<float>(rect.top() * scale),
                    static_cast<float>(rect.width() * scale),
                    static_cast<float>(rect.height() * scale),
                    static_cast<float>(detection.detection_confidence),
                });
            }
        }

        std::sort(found.begin(), found.end(), [](const dlibfaces_box &a, const dlibfaces_box &b) {
            return a.score > b.score;
        });
        const size_t written = std::min(found.size(), static_cast<size_t>(box_capacity));
        std::copy(found.begin(), found.begin() + static_cast<long>(written), boxes);
        *box_count = static_cast<int>(found.size());
        return DLIBFACES_OK;
    });
}

extern "C" dlibfaces_status dlibfaces_describe(
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
) {
    if (engine == nullptr || !valid_image(rgb, width, height, stride) || count < 0
        || (boxes == nullptr && count > 0)) {
        write_error(error, error_capacity, "dlibfaces_describe: invalid engine, image, stride or boxes");
        return DLIBFACES_INVALID_ARGUMENT;
    }
    if (count == 0) {
        return DLIBFACES_OK;
    }
    return guarded("dlibfaces_describe", error, error_capacity, [&]() {
        const dlib::matrix<dlib::rgb_pixel> image = make_image(rgb, width, height, stride);

        // landmarks and aligned chips
        std::vector<dlib::matrix<dlib::rgb_pixel>> face_chips(static_cast<size_t>(count));
        for (int index = 0; index < count; ++index) {
            const dlibfaces_box &box = boxes[index];
            const dlib::rectangle rect(
                static_cast<long>(std::lround(box.x)),
                static_cast<long>(std::lround(box.y)),
                static_cast<long>(std::lround(box.x + box.width)) - 1,
                static_cast<long>(std::lround(box.y + box.height)) - 1
            );
            const dlib::full_object_detection shape = engine->shape_predictor(image, rect);
            if (landmarks != nullptr) {
                for (unsigned long part = 0; part < shape.num_parts(); ++part) {
                    float *point = landmarks + (static_cast<size_t>(index) * DLIBFACES_LANDMARK_COUNT + part) * 2;
                    point[0] = static_cast<float>(shape.part(part).x());
                    point[1] = static_cast<float>(shape.part(part).y());
                }
            }
            dlib::extract_image_chip(
                image,
                dlib::get_face_chip_details(shape, DLIBFACES_CHIP_SIZE, 0.25),
                face_chips[static_cast<size_t>(index)]
            );
            if (chips != nullptr) {
                uint8_t *target = chips + static_cast<size_t>(index) * DLIBFACES_CHIP_SIZE * DLIBFACES_CHIP_SIZE * 3;
                const dlib::matrix<dlib::rgb_pixel> &chip = face_chips[static_cast<size_t>(index)];
                for (long row = 0; row < chip.nr(); ++row) {
                    for (long column = 0; column < chip.nc(); ++column) {
                        const dlib::rgb_pixel pixel = chip(row, column);
                        *target++ = pixel.red;
                        *target++ = pixel.green;
                        *target++ = pixel.blue;
                    }
                }
            }
        }

        // embeddings, one batch for all chips
        if (embeddings != nullptr) {
            const std::vector<dlib::matrix<float, 0, 1>> vectors =
                engine->embedder(face_chips, embedding_batch_size);
            for (size_t index = 0; index < vectors.size(); ++index) {
                const dlib::matrix<float, 0, 1> &vector = vectors[index];
                if (vector.size() != DLIBFACES_EMBEDDING_DIMENSION) {
                    throw std::runtime_error(
                        "embedding has " + std::to_string(vector.size()) + " values instead of 128"
                    );
                }
                std::memcpy(
                    embeddings + index * DLIBFACES_EMBEDDING_DIMENSION,
                    &vector(0),
                    DLIBFACES_EMBEDDING_DIMENSION * sizeof(float)
                );
            }
        }
        return DLIBFACES_OK;
    });
}
