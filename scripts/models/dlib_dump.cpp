// Loads dlib's ResNet face descriptor (dlib_face_recognition_resnet_model_v1.dat), writes the
// network as XML (dlib's net_to_xml, read by dlib_xml2onnx.py) and prints the descriptor of a
// fixed synthetic 150x150 chip, the reference the converted ONNX model is checked against.
// The network is declared exactly as in dlib's examples/dnn_face_recognition_ex.cpp.
// Usage: dlib_dump MODEL.dat OUT.xml > reference_embedding.txt
#include <dlib/dnn.h>
#include <cstdio>

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

using anet_type = loss_metric<fc_no_bias<128, avg_pool_everything<
    alevel0<alevel1<alevel2<alevel3<alevel4<
    max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s MODEL.dat OUT.xml\n", argv[0]);
        return 2;
    }
    anet_type net;
    deserialize(argv[1]) >> net;
    net_to_xml(net, argv[2]);

    matrix<rgb_pixel> chip(150, 150);
    for (long r = 0; r < 150; ++r) {
        for (long c = 0; c < 150; ++c) {
            chip(r, c) = rgb_pixel((7 * r + 3 * c) % 256, (5 * r + 11 * c) % 256, (13 * r + c) % 256);
        }
    }
    matrix<float, 0, 1> descriptor = net(chip);
    for (long i = 0; i < descriptor.size(); ++i) {
        std::printf("%.9g\n", descriptor(i));
    }
    return 0;
}
