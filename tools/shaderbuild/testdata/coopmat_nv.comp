#version 450
#extension GL_NV_cooperative_matrix : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_memory_scope_semantics : require
layout(local_size_x = 32) in;
layout(set=0,binding=0) readonly buffer A { float16_t a[]; };
layout(set=0,binding=1) readonly buffer B { float16_t b[]; };
layout(set=0,binding=2) writeonly buffer C { float c[]; };
void main() {
  fcoopmatNV<32, gl_ScopeSubgroup, 16, 16> acc = fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>(0.0);
  fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> ma, mb;
  for (uint k = 0; k < 64; k += 16) {
    coopMatLoadNV(ma, a, k, 64, false);
    coopMatLoadNV(mb, b, k*16, 16, true);
    acc = coopMatMulAddNV(ma, mb, acc);
  }
  coopMatStoreNV(acc, c, 0, 16, false);
}
