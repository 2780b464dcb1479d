! Error reporting for the Fortran binding: every insitu call returns an integer code (SRNoError,
! SRKeyError, ... from insitu_c_api); get_last_error() / get_last_error_location() describe the
! last failed call. Errors found in Fortran itself (dims that do not match the array) are kept here,
! the rest come from the C API.
module insitu_errors
  use iso_c_binding
  use insitu_c_api, only: c_get_last_error, c_get_last_error_location, SRParameterError
  implicit none
  private
  public :: get_last_error, get_last_error_location, clear_fortran_error, fortran_error, &
    c_to_fortran_string

  character(len=:), allocatable :: fortran_message, fortran_location

  interface
    function c_strlen(s) bind(c, name="strlen")
      import :: c_ptr, c_size_t
      type(c_ptr), value :: s
      integer(c_size_t) :: c_strlen
    end function
  end interface

contains

  !> A copy of the NUL-terminated C string at `p` ("" for a null pointer).
  function c_to_fortran_string(p) result(s)
    type(c_ptr), intent(in) :: p
    character(len=:), allocatable :: s
    character(kind=c_char), pointer :: chars(:)
    integer :: i, n
    if (.not. c_associated(p)) then
      s = ''
      return
    end if
    n = int(c_strlen(p))
    call c_f_pointer(p, chars, [n])
    allocate(character(len=n) :: s)
    do i = 1, n
      s(i:i) = chars(i)
    end do
  end function

  !> Text of the last error ("" after a successful call).
  function get_last_error() result(message)
    character(len=:), allocatable :: message
    if (allocated(fortran_message)) then
      message = fortran_message
    else
      message = c_to_fortran_string(c_get_last_error())
    end if
  end function

  !> Where the last error happened (the C API function, or the Fortran procedure).
  function get_last_error_location() result(location)
    character(len=:), allocatable :: location
    if (allocated(fortran_location)) then
      location = fortran_location
    else
      location = c_to_fortran_string(c_get_last_error_location())
    end if
  end function

  subroutine clear_fortran_error()
    if (allocated(fortran_message)) deallocate(fortran_message)
    if (allocated(fortran_location)) deallocate(fortran_location)
  end subroutine

  !> Records an error detected in Fortran and returns its code (SRParameterError).
  function fortran_error(message, location) result(code)
    character(len=*), intent(in) :: message, location
    integer :: code
    fortran_message = message
    fortran_location = location
    code = SRParameterError
  end function
end module insitu_errors
