! Cross-language helper for the Python tests:
!   fortran_cross write <name>  stores real32 a(3,4) with a(i,j) = 10*i + j
!   fortran_cross check <name>  unpacks an int64 2x3 tensor and checks t(i,j) = 10*i + j
program fortran_cross
  use iso_fortran_env, only: int64, real32
  use insitu
  implicit none
  type(client_type) :: client
  character(len=16) :: mode
  character(len=256) :: name
  real(real32) :: a(3, 4)
  integer(int64) :: t(2, 3)
  integer :: i, j, code

  call get_command_argument(1, mode)
  call get_command_argument(2, name)
  if (client%initialize("fortran_cross") /= SRNoError) error stop 2
  if (trim(mode) == "write") then
    do j = 1, 4
      do i = 1, 3
        a(i, j) = real(10 * i + j, real32)
      end do
    end do
    code = client%put_tensor(trim(name), a)
  else
    code = client%unpack_tensor(trim(name), t)
    if (code == SRNoError) then
      do j = 1, 3
        do i = 1, 2
          if (t(i, j) /= 10 * i + j) code = -1
        end do
      end do
    end if
  end if
  if (code /= SRNoError) then
    write(*, '(a,i0,a,a)') 'fortran_cross: code ', code, ': ', get_last_error()
    error stop 1
  end if
  if (client%destructor() /= SRNoError) error stop 3
end program
