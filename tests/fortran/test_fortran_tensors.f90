! put_tensor / unpack_tensor for every kind (int8..int64, real32, real64) and rank 1-4: values
! survive the round trip and the stored tensor is row-major (checked through the C API).
module tensor_checks
  use iso_c_binding
  use iso_fortran_env, only: int8, int16, int32, int64, real32, real64
  use insitu
  use insitu_c_api, only: c_unpack_tensor, SRMemLayoutContiguous, SRTensorTypeInt8, &
    SRTensorTypeInt16, SRTensorTypeInt32, SRTensorTypeInt64, SRTensorTypeFloat, SRTensorTypeDouble
  use test_support
  implicit none
contains
  !> Distinct small values (they fit int8) for column-major position k.
  integer function value_at(k)
    integer, intent(in) :: k
    value_at = mod(k * 7 + 3, 101) - 50
  end function
  include "tensor_checks.inc"
end module tensor_checks

program test_fortran_tensors
  use iso_c_binding
  use insitu
  use insitu_c_api, only: c_simple_create_client, c_delete_client
  use tensor_checks
  use test_support
  implicit none
  type(client_type) :: client
  type(c_ptr) :: cclient = c_null_ptr

  call expect_code(client%initialize("fortran_tensors"), SRNoError, "initialize")
  call expect_code(c_simple_create_client("c_reader", 8_c_size_t, cclient), SRNoError, &
    "C client")
  include "tensor_calls.inc"
  call expect_code(c_delete_client(cclient), SRNoError, "C client delete")
  call expect_code(client%destructor(), SRNoError, "destructor")
  call expect(.not. client%isinitialized(), "destroyed")
  call report("test_fortran_tensors")
end program
